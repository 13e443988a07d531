// Package dns is the DNS side of mailform's providers: the interface a DNS
// provider implements, built on libdns's interfaces and record types, and
// the capabilities each declares as data, so that a plan is checked against
// them before any request is made.
//
// Records are libdns.RR values: a name relative to the zone ("@" for the
// apex), a TTL, a type and the unescaped data (a TXT's text without quotes).
//
// A provider writes the rrsets it is given and reads whole zones; it
// never decides which records are mailform's (reconcile does) and never
// touches a record it is not given.
package dns

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/schema"
)

// Provider is a DNS provider. GetRecords reads a whole zone in one request;
// everything else is optional and found by type assertion:
//
//   - Updater writes all the changes of a zone in one go (preferred);
//     otherwise libdns.RecordSetter and libdns.RecordDeleter are used;
//   - libdns.ZoneLister tells which zones exist, or ZoneFinder which zone
//     holds a name;
//   - ZoneCreator creates a zone;
//   - CanonicalReader reads a zone's records already in canonical form;
//   - lock.Locker keeps a second apply out.
type Provider interface {
	libdns.RecordGetter
	Capabilities() Capabilities
}

// Capabilities is what a provider can do. The zero value can do nothing.
type Capabilities struct {
	RecordTypes []string      // the types it can write
	MinTTL      time.Duration // the smallest TTL it keeps as given
	MaxTTL      time.Duration // the largest; 0: no limit
	CreateZones bool          // it implements ZoneCreator
	// Offline: it writes files that reach the name servers by other means
	// (zone files), so no server can be asked whether a record is served.
	Offline bool
	// ParallelWrites: different zones can be written at the same time.
	// Not every server takes that: PowerDNS on its SQLite backend answers
	// a second write with an error while the first holds the database.
	ParallelWrites bool
	// LocalReads: reading a zone is parsing a file on this machine, work
	// for its CPU, not a wait on a server.
	LocalReads bool
}

// Supports reports whether records of type t can be written.
func (c Capabilities) Supports(t string) bool {
	for _, x := range c.RecordTypes {
		if x == t {
			return true
		}
	}
	return false
}

// Check returns why a record cannot be written, or nil.
func (c Capabilities) Check(rr libdns.RR) error {
	if !c.Supports(rr.Type) {
		return fmt.Errorf("%s records are not supported (this provider writes %s)", rr.Type, strings.Join(c.RecordTypes, ", "))
	}
	if rr.TTL < c.MinTTL || (c.MaxTTL > 0 && rr.TTL > c.MaxTTL) {
		return fmt.Errorf("TTL %v of %s %s is outside what this provider keeps (%v to %v)", rr.TTL, rr.Name, rr.Type, c.MinTTL, c.MaxTTL)
	}
	return nil
}

// RRSet is the content an rrset (records of one name and type) must have
// after an update. No records means the rrset is deleted.
type RRSet struct {
	Name    string // relative to the zone, "@" for the apex
	Type    string
	Records []libdns.RR
}

// Updater writes all the changes of one zone in one call. Each RRSet
// replaces the rrset of its name and type; nothing else in the zone
// changes. A failed update wrote none of them, or returns a *PartialError
// that says how many it wrote (a provider that writes rrset by rrset).
type Updater interface {
	UpdateZone(ctx context.Context, zone string, sets []RRSet) error
}

// ZoneFinder is a provider that cannot list its zones but can tell which
// of them holds a name: the name itself when it is a zone's apex, the
// enclosing zone, or "" when it has none.
type ZoneFinder interface {
	FindZone(ctx context.Context, name string) (string, error)
}

// CanonicalReader reads a whole zone's records, all but the SOA, in the
// canonical form Normalize gives, sparing a plan of thousands of zones the
// typed libdns records and the normalising.
type CanonicalReader interface {
	GetCanonical(ctx context.Context, zone string) ([]libdns.RR, error)
}

// ZoneCreator creates an empty zone, with the SOA and NS records the
// provider's settings give it.
type ZoneCreator interface {
	CreateZone(ctx context.Context, zone string) error
}

// Key identifies an rrset: its name, lower case, and its type.
type Key struct {
	Name, Type string
}

func (k Key) String() string { return k.Name + " " + k.Type }

// KeyOf is the rrset key of a record.
func KeyOf(rr libdns.RR) Key { return Key{strings.ToLower(rr.Name), strings.ToUpper(rr.Type)} }

// Group sorts records into rrsets.
func Group(rrs []libdns.RR) map[Key][]libdns.RR {
	out := map[Key][]libdns.RR{}
	for _, rr := range rrs {
		k := KeyOf(rr)
		out[k] = append(out[k], rr)
	}
	return out
}

// Canonical puts an rrset's records in a stable order, so that two rrsets
// compare equal when they hold the same records.
func Canonical(rrs []libdns.RR) []libdns.RR {
	out := append([]libdns.RR(nil), rrs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Data < out[j].Data })
	return out
}

// Owner is a record's owner name, fully qualified.
func Owner(zone string, rr libdns.RR) string {
	name := libdns.AbsoluteName(rr.Name, zone)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// RelativeName is a fully qualified, canonical name relative to a zone:
// "@" for the apex, the labels below it, or the name itself, with its
// final dot, when it is not in the zone. (libdns.RelativeName cuts the
// zone's text off whatever ends with it: "x." and "evilacme.example."
// would read as names in acme.example.)
func RelativeName(fqdn, zone string) string {
	switch {
	case fqdn == zone:
		return "@"
	case zone == ".":
		return strings.TrimSuffix(fqdn, ".")
	}
	if rel, ok := strings.CutSuffix(fqdn, "."+zone); ok {
		return rel
	}
	return fqdn
}

// Line writes a record in zone-file syntax, absolute, for a zone, on one
// line: TXT text is quoted and escaped, and a control character that any
// other data holds (which no valid record has) is written as \DDD, so
// that no record can add a line or a directive to what it is written in.
func Line(zone string, rr libdns.RR) string {
	name := Owner(zone, rr)
	data := rr.Data
	if rr.Type == "TXT" {
		data = schema.QuoteTXT(data)
	} else {
		data = escapeControls(data)
	}
	return fmt.Sprintf("%s\t%d\tIN\t%s\t%s", escapeControls(name), int(rr.TTL.Seconds()), escapeControls(rr.Type), data)
}

// escapeControls writes each control character of s as \DDD.
func escapeControls(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "\\%03d", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// PartialError is the failure of a write that is not atomic: the first
// Done rrsets were written, the next failed with Err, and the rest were
// not tried.
type PartialError struct {
	Done int
	Err  error
}

func (e *PartialError) Error() string { return e.Err.Error() }
func (e *PartialError) Unwrap() error { return e.Err }

// SetRRSets writes rrsets one by one through libdns's RecordSetter and
// RecordDeleter, for a provider without an Updater. It is not atomic: on a
// failure it returns a *PartialError, whose text also names the rrsets
// written before it.
func SetRRSets(ctx context.Context, prov any, zone string, sets []RRSet) error {
	setter, okS := prov.(libdns.RecordSetter)
	deleter, okD := prov.(libdns.RecordDeleter)
	if !okS || !okD {
		return errors.New("the provider cannot write records")
	}
	var done []string
	failed := func(what string, s RRSet, err error) error {
		state := "nothing was written"
		if len(done) > 0 {
			state = "written before it: " + strings.Join(done, ", ") + "; the rest was not: plan again to see what is left"
		}
		return &PartialError{Done: len(done), Err: fmt.Errorf("%s %s %s: %w; %s", what, s.Name, s.Type, err, state)}
	}
	for _, s := range sets {
		if len(s.Records) == 0 {
			// Name and type given, TTL and data left empty: every record
			// of the rrset (libdns's wildcard delete).
			if _, err := deleter.DeleteRecords(ctx, zone, []libdns.Record{libdns.RR{Name: s.Name, Type: s.Type}}); err != nil {
				return failed("delete", s, err)
			}
		} else {
			recs := make([]libdns.Record, len(s.Records))
			for i, rr := range s.Records {
				recs[i] = rr
				if typed, err := rr.Parse(); err == nil {
					recs[i] = typed // what providers are written for
				}
			}
			if _, err := setter.SetRecords(ctx, zone, recs); err != nil {
				return failed("set", s, err)
			}
		}
		done = append(done, s.Name+" "+s.Type)
	}
	return nil
}
