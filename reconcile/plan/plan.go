package plan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/libdns/libdns"
)

// Action is what a change does. Its value is the glyph a plan shows.
type Action rune

// The actions. The zero value is not an action.
const (
	Create  Action = '+'
	Update  Action = '~'
	Delete  Action = '-'
	Replace Action = '±'
)

func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case Delete:
		return "delete"
	case Replace:
		return "replace"
	}
	return "invalid"
}

// MarshalText writes the action's name, as the JSON plan format has it.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads an action's name.
func (a *Action) UnmarshalText(b []byte) error {
	for _, x := range []Action{Create, Update, Delete, Replace} {
		if x.String() == string(b) {
			*a = x
			return nil
		}
	}
	return fmt.Errorf("unknown action %q", b)
}

// Kind is the kind of object a change is about.
type Kind string

// The kinds of object, in the order they are created.
const (
	KindTenant      Kind = "tenant"
	KindDomain      Kind = "domain"
	KindAliasDomain Kind = "alias_domain"
	KindDKIMKey     Kind = "dkim_key"
	KindMailbox     Kind = "mailbox"
	KindAlias       Kind = "alias"
	KindRelayUser   Kind = "relay_user"
	KindZone        Kind = "dns_zone"
	KindRecords     Kind = "dns_records"
)

// Field is one attribute of a change, before and after. Values are JSON
// values: strings, numbers, booleans, lists of strings, or null.
type Field struct {
	Name      string `json:"name"`
	Before    any    `json:"before"`
	After     any    `json:"after"`
	Sensitive bool   `json:"sensitive,omitempty"` // the values are not shown
}

// Change is one thing an apply does, as data: what it is about, what it
// does, and the object before and after it.
//
// Before and After are nil for none. For a mail backend's change they are
// pointers to the backend's objects, structs whose fields tagged `diff`
// the plan shows (fields.go): the fields are drawn from them when asked
// for, for a large plan is shown once and applied once, and holding every
// object a second time as display values made it a third bigger while it
// was applied. For a DNS change they are the records of the rrset that
// the change manages ([]libdns.RR), RRSet says where they go, and the
// diff gives the fields (the records as zone-file lines) with WithFields.
type Change struct {
	Address  string // tenant.acme/domain.acme.it/mailbox.info
	Kind     Kind
	Action   Action
	Name     string // the object, as people read it: info@acme.it
	Provider string // the backend or DNS provider it goes to
	Zone     string // DNS changes: the zone
	Destroys bool   // deletes a mailbox, domain or tenant: needs --allow-destroy
	// PurgeAfter is set on a deleted mailbox whose mail mailform purge
	// removes from the mail host this long after the apply ("30d").
	PurgeAfter string

	Before, After any
	RRSet         *RRSet // DNS changes

	fields []Field // as read from a plan file, or given to WithFields
}

// RRSet is where a DNS change writes: the records the change manages in
// the rrset of Name and Type (Before) become After; the rest of the live
// rrset is kept.
type RRSet struct {
	Name, Type string      // Name relative to the zone
	Live       []libdns.RR // the whole live rrset
	// PendingKey names the DKIM key change (its Name) whose record After
	// holds, when that key is made at apply: its public half is written
	// in then.
	PendingKey string
}

// Records are a DNS change's records before (or after) it.
func Records(v any) []libdns.RR {
	rrs, _ := v.([]libdns.RR)
	return rrs
}

// Fields lists what the change changes; on create and delete, the whole
// object. The fields are drawn from the change's objects or records at
// each call, so that every call gives the same list.
func (c *Change) Fields() []Field {
	if c.fields != nil {
		return c.fields
	}
	return c.AppendFields(nil)
}

// AppendFields appends what Fields lists to dst and returns the longer
// list. A renderer that shows a large plan change by change reuses one
// list.
func (c *Change) AppendFields(dst []Field) []Field {
	switch {
	case c.fields != nil:
		return append(dst, c.fields...)
	case c.Before == nil && c.After == nil:
		return dst
	}
	dst = appendFields(dst, c.Before, c.After)
	if c.Action == Replace {
		// Only a DKIM key is replaced: a new key under the same name.
		dst = append(dst, Field{Name: "key", Before: "(sensitive)", After: "(generated at apply)", Sensitive: true})
	}
	return dst
}

// WithFields sets the fields a change shows, where they are not drawn
// from its objects: a DNS change's, or those of a change made by hand (in
// a test, or by a program that builds a plan to render).
func (c *Change) WithFields(fs ...Field) *Change {
	c.fields = fs
	return c
}

// ChangeJSON is a change as the JSON plan and saved plans have it
// (docs/plan-json.md), with its fields.
type ChangeJSON struct {
	Address    string  `json:"address"`
	Kind       Kind    `json:"kind"`
	Action     Action  `json:"action"`
	Name       string  `json:"name"`
	Provider   string  `json:"provider"`
	Zone       string  `json:"zone,omitempty"`
	Fields     []Field `json:"fields,omitempty"`
	Destroys   bool    `json:"destroys,omitempty"`
	PurgeAfter string  `json:"purge_after,omitempty"`
}

// JSON is the change as the JSON plan has it. The JSON views marshal
// these, not the change: encoding/json copies and checks again whatever
// a MarshalJSON method returns.
func (c *Change) JSON() ChangeJSON {
	return ChangeJSON{Address: c.Address, Kind: c.Kind, Action: c.Action, Name: c.Name, Provider: c.Provider,
		Zone: c.Zone, Fields: c.Fields(), Destroys: c.Destroys, PurgeAfter: c.PurgeAfter}
}

// change is the change a saved one describes: apply compares it with the
// plan made again, and never runs it.
func (j ChangeJSON) change() *Change {
	return &Change{Address: j.Address, Kind: j.Kind, Action: j.Action, Name: j.Name, Provider: j.Provider,
		Zone: j.Zone, fields: j.Fields, Destroys: j.Destroys, PurgeAfter: j.PurgeAfter}
}

// Note is something a person must know or do: DNS to publish by hand, a
// TLS certificate to install. Notes never drive apply.
type Note struct {
	Address string   `json:"address"`
	Kind    string   `json:"kind"` // unmanaged_dns, tls_certificate, dkim
	Text    string   `json:"text"`
	Records []string `json:"records,omitempty"` // zone-file lines to publish
}

// ZoneSummary is how much of a zone a plan changes, against the safety
// threshold: updating or deleting more than ThresholdPercent of a zone's
// records, in a zone of at least MinRecords, needs --force.
type ZoneSummary struct {
	Provider         string `json:"provider"`
	Zone             string `json:"zone"`
	Existing         int    `json:"existing_records"`
	Changed          int    `json:"updated_or_deleted_records"`
	ThresholdPercent int    `json:"threshold_percent"`
	MinRecords       int    `json:"threshold_min_records"`
	NeedsForce       bool   `json:"needs_force"`
}

// FormatVersion is the version of the JSON plan format (docs/plan-json.md).
const FormatVersion = 1

// Plan is what an apply would do: plain data, rendered by reconcile/render
// and saved with --out (WriteFile).
type Plan struct {
	FormatVersion   int
	Changes         []*Change
	Notes           []*Note
	Zones           []*ZoneSummary
	Proofs          []*Proof // domains activated once their ownership record answers
	DKIM            []*Proof // DKIM keys that sign once their record answers
	ConfigChecksum  string   // the config the plan was made from
	LiveFingerprint string   // the live state it was made from

	// A plan read to be applied (ReadPlanFileToApply) holds its changes
	// only as their number and a digest of their JSON.
	savedChanges int
	savedDigest  []byte
}

// planJSON is a plan as a saved plan has it.
type planJSON struct {
	FormatVersion   int            `json:"format_version"`
	Changes         []ChangeJSON   `json:"changes"`
	Notes           []*Note        `json:"notes,omitempty"`
	Zones           []*ZoneSummary `json:"zones,omitempty"`
	Proofs          []*Proof       `json:"ownership_proofs,omitempty"`
	DKIM            []*Proof       `json:"dkim_publications,omitempty"`
	ConfigChecksum  string         `json:"config_checksum"`
	LiveFingerprint string         `json:"live_fingerprint"`
}

func (p *Plan) json() planJSON {
	cs := make([]ChangeJSON, len(p.Changes))
	for i, c := range p.Changes {
		cs[i] = c.JSON()
	}
	return planJSON{FormatVersion: p.FormatVersion, Changes: cs, Notes: p.Notes, Zones: p.Zones, Proofs: p.Proofs, DKIM: p.DKIM,
		ConfigChecksum: p.ConfigChecksum, LiveFingerprint: p.LiveFingerprint}
}

// MarshalJSON writes the plan with its changes' fields.
func (p *Plan) MarshalJSON() ([]byte, error) { return json.Marshal(p.json()) }

// UnmarshalJSON reads a saved plan.
func (p *Plan) UnmarshalJSON(b []byte) error {
	var j planJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	cs := make([]*Change, len(j.Changes))
	for i, c := range j.Changes {
		cs[i] = c.change()
	}
	*p = Plan{FormatVersion: j.FormatVersion, Changes: cs, Notes: j.Notes, Zones: j.Zones, Proofs: j.Proofs, DKIM: j.DKIM,
		ConfigChecksum: j.ConfigChecksum, LiveFingerprint: j.LiveFingerprint}
	return nil
}

// Counts are how many objects a plan creates, changes and destroys.
type Counts struct {
	Add, Change, Destroy int
}

// Count sums up the plan.
func (p *Plan) Count() Counts {
	var c Counts
	for _, ch := range p.Changes {
		switch ch.Action {
		case Create:
			c.Add++
		case Update:
			c.Change++
		case Delete:
			c.Destroy++
		case Replace:
			c.Add++
			c.Destroy++
		}
	}
	return c
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Sort orders a plan's changes: creates and updates parent-first, then deletes
// child-first; within a kind, by address.
func Sort(cs []*Change) {
	slices.SortStableFunc(cs, func(a, b *Change) int {
		ad, bd := a.Action == Delete, b.Action == Delete
		if ad != bd {
			if ad {
				return 1
			}
			return -1
		}
		if ra, rb := a.Kind.Rank(), b.Kind.Rank(); ra != rb {
			if ad {
				return cmp.Compare(rb, ra)
			}
			return cmp.Compare(ra, rb)
		}
		return strings.Compare(a.Address, b.Address)
	})
}

// Rank is the place of a kind in the order objects are created: parents
// first.
func (k Kind) Rank() int {
	switch k {
	case KindTenant:
		return 0
	case KindDomain:
		return 1
	case KindAliasDomain:
		return 2
	case KindDKIMKey:
		return 3
	case KindMailbox:
		return 4
	case KindAlias:
		return 5
	case KindRelayUser:
		return 6
	case KindZone:
		return 7
	}
	return 8 // KindRecords
}

// SortNotes orders notes by address, then kind.
func SortNotes(ns []*Note) {
	sort.SliceStable(ns, func(i, j int) bool {
		if ns[i].Address != ns[j].Address {
			return ns[i].Address < ns[j].Address
		}
		return ns[i].Kind < ns[j].Kind
	})
}

// Under reports whether address is target or inside it: tenant.acme is
// under tenant.acme and holds tenant.acme/domain.acme.it.
func Under(address, target string) bool {
	return address == target || strings.HasPrefix(address, target+"/")
}
