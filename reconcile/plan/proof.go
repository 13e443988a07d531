package plan

// Proof is a record that must answer on every authoritative server before
// apply goes on with what waits for it.
//
// The ownership proof of a domain or alias domain that a plan activates:
// apply writes it pending (not active, no mailboxes), publishes its DNS,
// waits until every authoritative server answers its ownership record, and
// only then activates it and creates what it holds.
//
// The publication of a DKIM key (Selector set): apply stores a new key
// without signing with it, publishes its record, waits until every
// authoritative server answers it, and only then makes it the key that
// signs; the key that signed before signs until then.
type Proof struct {
	Address  string   `json:"address"` // the domain's change, or the DKIM key's
	Domain   string   `json:"domain"`
	Record   string   `json:"record"`             // d123456789.example.com. A 192.0.2.16
	Provider string   `json:"provider,omitempty"` // the DNS provider that publishes it; "" when the customer does
	Servers  []string `json:"servers,omitempty"`  // pinned authoritative servers
	Target   string   `json:"target,omitempty"`   // an alias domain's real domain, proven with it
	Selector string   `json:"selector,omitempty"` // a DKIM key's publication: its selector

	// What the record must hold, for apply to look for it; a saved plan
	// shows it as Record.
	Owner    string `json:"-"` // the record's name, fully qualified
	IP       string `json:"-"` // an ownership record's address
	TXT      string `json:"-"` // a DKIM record's text: known once the key is made
	Resolver string `json:"-"` // the resolver that finds the authoritative servers ("" for the system's)
	// Local says the record goes into a zone file and no server is
	// pinned, so that no server can be asked: the file written is the
	// record published.
	Local bool `json:"-"`
}

// Wait says whether apply waits for the record (mailform publishes it) or
// looks once (the customer publishes it).
func (p *Proof) Wait() bool { return p.Provider != "" }

// Gate is what the changes that wait for the proof name it by: the domain,
// or "dkim " and the domain for a DKIM key's publication.
func (p *Proof) Gate() string {
	if p.Selector != "" {
		return DKIMGate(p.Domain)
	}
	return p.Domain
}

// DKIMGate is what a domain's DKIM key changes wait for.
func DKIMGate(domain string) string { return "dkim " + domain }
