package reconcile

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/internal/dnsquery"
	"github.com/mailform/mailform/internal/parallel"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

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

	name, ip, resolver string
	// txt is the text a DKIM record must hold: known once the key is made.
	txt string
	// local: the record goes into a zone file and no server is pinned, so
	// that no server can be asked: the file written is the record published.
	local bool
}

// Wait says whether apply waits for the record (mailform publishes it) or
// looks once (the customer publishes it).
func (p *Proof) Wait() bool { return p.Provider != "" }

// gate is what the changes that wait for the proof name it by.
func (p *Proof) gate() string {
	if p.Selector != "" {
		return dkimGate(p.Domain)
	}
	return p.Domain
}

// dkimGate is what a domain's DKIM key changes wait for.
func dkimGate(domain string) string { return "dkim " + domain }

// proofs lists the domains and alias domains a plan activates that are not
// proven yet. A domain whose record goes into a zone file with no servers
// pinned is taken as proven by the file: no server can be asked.
func proofs(cfg *schema.Config, live *Live, doms []*DomainDNS, changes []*Change) []*Proof {
	if cfg.Platform == nil || cfg.Platform.OwnershipProof == "none" {
		return nil
	}
	byName := map[string]*DomainDNS{}
	for _, d := range doms {
		byName[d.Domain] = d
	}
	pins := pinnedServers(cfg)
	var out []*Proof
	for _, c := range changes {
		if c.op == nil || c.Action == Delete {
			continue
		}
		var name, target string
		switch {
		case c.op.Domain != nil && c.op.Domain.Verified && !fieldWas(c, "verified", true):
			name = c.op.Domain.Name
		case c.op.AliasDomain != nil && c.op.AliasDomain.Verified && !fieldWas(c, "verified", true):
			name, target = c.op.AliasDomain.Name, c.op.AliasDomain.Target
		default:
			continue
		}
		dd := byName[name]
		pr := &Proof{Address: c.Address, Domain: name, Target: target, Servers: pins[name],
			name: live.Token(name) + "." + name + ".", ip: cfg.Platform.VerificationIP, resolver: resolverOf(cfg)}
		pr.Record = fmt.Sprintf("%s A %s", pr.name, pr.ip)
		if dd != nil {
			pr.Provider = dd.Provider
		}
		if pz := live.DNS[pr.Provider]; pz != nil && pz.Caps.Offline && len(pr.Servers) == 0 {
			continue
		}
		out = append(out, pr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out
}

// dkimProofs lists the DKIM keys a plan makes sign, each to be published
// everywhere first: a new key (its text known once apply makes it), or a
// stored key that does not sign yet.
func dkimProofs(cfg *schema.Config, live *Live, doms []*DomainDNS, changes []*Change) []*Proof {
	byName := map[string]*DomainDNS{}
	for _, d := range doms {
		byName[d.Domain] = d
	}
	pins := pinnedServers(cfg)
	var out []*Proof
	for _, c := range changes {
		if c.op == nil || c.op.DKIMKey == nil || c.Action == Delete || !c.op.DKIMKey.Active {
			continue
		}
		k := c.op.DKIMKey
		pr := &Proof{Address: c.Address, Domain: k.Domain, Selector: k.Selector, Servers: pins[k.Domain],
			name: k.Selector + "._domainkey." + k.Domain + ".", resolver: resolverOf(cfg)}
		text := dkimText(k.Algorithm, dkimPlaceholder)
		if k.PublicKey != "" {
			text = dkimText(k.Algorithm, k.PublicKey)
			pr.txt = text
		}
		pr.Record = fmt.Sprintf("%s TXT %q", pr.name, text)
		if dd := byName[k.Domain]; dd != nil {
			pr.Provider = dd.Provider
		}
		if pz := live.DNS[pr.Provider]; pz != nil && pz.Caps.Offline && len(pr.Servers) == 0 {
			pr.local = true
		}
		out = append(out, pr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out
}

// pinnedServers gives, by domain and alias domain, the authoritative
// servers the config pins (nil: the NS set).
func pinnedServers(cfg *schema.Config) map[string][]string {
	pins := map[string][]string{}
	for _, t := range cfg.Tenants {
		for _, d := range t.Domains {
			pins[d.Name] = d.Effective.AuthServers
			for _, a := range d.AliasDomains {
				name := a.Name
				if ascii, err := schema.CanonicalDomain(a.Name); err == nil {
					name = ascii
				}
				pins[name] = d.Effective.AuthServers
			}
		}
	}
	return pins
}

// resolverOf is the platform's dns_resolver as host:port; "" for the
// system's.
func resolverOf(cfg *schema.Config) string {
	if cfg.Platform == nil || cfg.Platform.DNSResolver == "" {
		return ""
	}
	return schema.HostPort(cfg.Platform.DNSResolver, "53")
}

// fieldWas reports whether an update's field had the value before.
func fieldWas(c *Change, name string, v any) bool {
	if c.Action == Create {
		return false
	}
	for _, f := range c.Fields() {
		if f.Name == name {
			return f.Before == v
		}
	}
	return true // unchanged: it has the value it gets
}

// Prover checks ownership records on the authoritative servers.
type Prover struct {
	Timeout  time.Duration // how long apply waits for a record mailform published
	Interval time.Duration // between two rounds of queries
	// Progress, when set, hears each round that leaves apply waiting.
	Progress func(ProofResult)
	// Pinned, when set, are the servers asked for a proof whose domain
	// pins none, instead of its NS set.
	Pinned []string
}

// ProofResult is what the servers answered for one proof.
type ProofResult struct {
	Proof   *Proof
	Proven  bool
	Missing []string // "server: what it answered", for each that lacks it
}

// check asks every authoritative server once.
func (pv *Prover) check(ctx context.Context, p *Proof) ProofResult {
	res := ProofResult{Proof: p}
	if p.local {
		res.Proven = true // written into its zone file: no server to ask
		return res
	}
	if p.Selector != "" && p.txt == "" {
		res.Missing = []string{"the key was not made"}
		return res
	}
	servers := dnsquery.Pinned(p.Servers)
	if len(servers) == 0 {
		servers = dnsquery.Pinned(pv.Pinned)
	}
	if len(servers) == 0 {
		_, found, err := dnsquery.Resolver{Addr: p.resolver}.Authoritative(ctx, p.name)
		if err != nil {
			res.Missing = []string{err.Error()}
			return res
		}
		servers = found
	}
	want := net.ParseIP(p.ip)
	qtype, has, describe := mdns.TypeA, func(rr mdns.RR) bool { return rr.(*mdns.A).A.Equal(want) }, describeA
	if p.Selector != "" {
		qtype, has, describe = mdns.TypeTXT, func(rr mdns.RR) bool { return dns.FromMiekg(".", rr).Data == p.txt }, describeTXT
	}
	for _, s := range servers {
		a := dnsquery.Query(ctx, s, p.name, qtype)
		if prob := a.Problem(); prob != "" {
			res.Missing = append(res.Missing, serverName(s)+": "+prob)
			continue
		}
		if !a.Has(has) {
			res.Missing = append(res.Missing, serverName(s)+": "+describe(a.RRs))
		}
	}
	res.Proven = len(res.Missing) == 0
	return res
}

func describeTXT(rrs []mdns.RR) string {
	if len(rrs) == 0 {
		return "no such record"
	}
	return "answers another key"
}

func serverName(s dnsquery.Server) string {
	if s.Name == s.Addr || s.Addr == "" {
		return strings.TrimSuffix(s.Name, ".")
	}
	return fmt.Sprintf("%s (%s)", strings.TrimSuffix(s.Name, "."), s.Addr)
}

func describeA(rrs []mdns.RR) string {
	if len(rrs) == 0 {
		return "no such record"
	}
	var vals []string
	for _, rr := range rrs {
		vals = append(vals, rr.(*mdns.A).A.String())
	}
	return "answers " + strings.Join(vals, ", ")
}

// Prove checks each proof: a record mailform published is waited for until
// every server answers it or the timeout passes; one the customer
// publishes is looked at once.
func (pv *Prover) Prove(ctx context.Context, ps []*Proof) []ProofResult {
	out := make([]ProofResult, len(ps))
	deadline := time.Now().Add(pv.Timeout)
	var mu sync.Mutex // Progress is called from one goroutine at a time
	parallel.Each(len(ps), 8, func(i int) {
		p := ps[i]
		for {
			r := pv.check(ctx, p)
			out[i] = r
			if r.Proven || !p.Wait() || time.Now().After(deadline) || ctx.Err() != nil {
				return
			}
			if pv.Progress != nil {
				mu.Lock()
				pv.Progress(r)
				mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(pv.Interval):
			}
		}
	})
	return out
}

// pendingCopy is a domain or alias domain op as written before its proof:
// not verified, not active, no catch-all; a new DKIM key's, stored without
// signing.
func pendingCopy(op mail.Op) mail.Op {
	if op.DKIMKey != nil {
		k := *op.DKIMKey
		k.Active = false
		op.DKIMKey = &k
	}
	if op.Domain != nil {
		d := *op.Domain
		d.Verified, d.Active, d.CatchAll = false, false, ""
		op.Domain = &d
	}
	if op.AliasDomain != nil {
		a := *op.AliasDomain
		a.Verified, a.Active = false, false
		op.AliasDomain = &a
	}
	return op
}

// gates are the proofs a change waits for (see Proof.gate): its own
// domain's, and an alias domain's real domain's, when they are pending and
// not proven; for a DKIM key, its domain's new key's publication, which
// every change of the domain's keys waits for, the key that signs going
// last.
func gates(c *Change, pending, proven map[string]bool) []string {
	if c.op == nil {
		return nil
	}
	var names []string
	add := func(d string) {
		if pending[d] && !proven[d] {
			names = append(names, d)
		}
	}
	if k := c.op.DKIMKey; k != nil && (c.Action != Delete || k.Active) {
		add(dkimGate(k.Domain))
		return names
	}
	if c.Action == Delete {
		return nil
	}
	switch {
	case c.op.Domain != nil:
		add(c.op.Domain.Name)
	case c.op.AliasDomain != nil:
		add(c.op.AliasDomain.Name)
		add(c.op.AliasDomain.Target)
	case c.op.Mailbox != nil:
		add(domainPart(c.op.Mailbox.Address))
	case c.op.Alias != nil:
		add(domainPart(c.op.Alias.Address))
	}
	return names
}

func domainPart(address string) string {
	_, d, _ := strings.Cut(address, "@")
	return d
}
