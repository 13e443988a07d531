package zonefile

import (
	"fmt"
	"strings"

	"github.com/libdns/libdns"
	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/schema"
)

// entry is one logical entry of a zone file: a record, a directive, or
// lines holding nothing but blanks and comments. A record may span lines
// within parentheses.
type entry struct {
	text      string // the lines, each ending in "\n"
	record    bool
	implicit  bool      // a record whose owner is the previous record's (blank owner)
	openQuote bool      // a quoted string runs past the end of a line, which BIND refuses
	rr        libdns.RR // a record, in canonical form (dns.FromMiekg's; a SOA's without data)
	soa       *mdns.SOA // the SOA record, whose serial apply raises
}

// zoneText is a zone file as entries, so that records can be removed and
// added while every other line stays exactly as it was.
type zoneText struct {
	zone    string // "example.com."
	entries []*entry
}

// parseZone reads a zone file. It keeps the text of every entry, and pairs
// each record entry with its record. The files mailform writes, and most
// others, are read by parseFast; a file it declines is read by miekg/dns.
//
// A file BIND would refuse to load is refused here too (see loadable):
// mailform must never take a zone for fine that the name server does not
// serve.
func parseZone(zone, filename string, src string) (*zoneText, error) {
	z := &zoneText{zone: zone, entries: splitEntries(src)}
	line := 1
	for _, e := range z.entries {
		if e.openQuote {
			return nil, fmt.Errorf("%s:%d: a quoted string runs past the end of its line (unbalanced quotes), which BIND refuses; write a line break in TXT data as \\010", filename, line)
		}
		line += strings.Count(e.text, "\n")
		if e.record || !strings.HasPrefix(strings.TrimLeft(e.text, " \t"), "$") {
			continue
		}
		if d := strings.Fields(e.text); strings.EqualFold(d[0], "$GENERATE") || strings.EqualFold(d[0], "$INCLUDE") {
			return nil, fmt.Errorf("%s: mailform cannot edit a zone file that uses %s; keep the mail records in a file without it", filename, strings.ToUpper(d[0]))
		}
	}
	if !parseFast(z) {
		if err := parseMiekg(z, filename, src); err != nil {
			return nil, err
		}
	}
	if err := z.loadable(); err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	return z, nil
}

// loadable checks what BIND checks when it loads a zone, beyond its
// syntax: one SOA, at the apex; NS records at the apex; no CNAME beside
// other data; an address for every name server inside the zone. Records
// outside the zone are left alone, as BIND ignores them.
func (z *zoneText) loadable() error {
	soas, apexNS := 0, false
	types := map[string]map[string]bool{} // owner, fully qualified → its types
	var nsTargets []string
	for _, e := range z.entries {
		if !e.record {
			continue
		}
		owner := dns.Owner(z.zone, e.rr)
		if !inZone(owner, z.zone) {
			continue
		}
		if types[owner] == nil {
			types[owner] = map[string]bool{}
		}
		types[owner][e.rr.Type] = true
		if err := checkNames(owner, e); err != nil {
			return err
		}
		switch {
		case e.soa != nil && owner != z.zone:
			return fmt.Errorf("SOA record of %s is not at the top of zone %s", owner, z.zone)
		case e.soa != nil:
			soas++
		case e.rr.Type == "NS" && owner == z.zone:
			// A delegation's name servers lacking glue BIND only warns of.
			apexNS = true
			nsTargets = append(nsTargets, e.rr.Data)
		}
	}
	switch {
	case soas == 0:
		return fmt.Errorf("zone %s has no SOA record", z.zone)
	case soas > 1:
		return fmt.Errorf("zone %s has %d SOA records; it takes one", z.zone, soas)
	case !apexNS:
		return fmt.Errorf("zone %s has no NS records at its apex", z.zone)
	}
	for owner, ts := range types {
		if ts["CNAME"] && len(ts) > 1 && !onlyDNSSECBesideCNAME(ts) {
			return fmt.Errorf("%s has a CNAME and other data, which BIND refuses", owner)
		}
	}
	for _, ns := range nsTargets {
		if inZone(ns, z.zone) && !types[ns]["A"] && !types[ns]["AAAA"] {
			return fmt.Errorf("name server %s is inside zone %s and has no address record (A or AAAA) there", ns, z.zone)
		}
	}
	return nil
}

// checkNames refuses the names BIND's check-names refuses in a primary
// zone, its default: the owner of an address or MX record, and the target
// of an MX, NS or SRV record or the SOA's primary, must be host names.
func checkNames(owner string, e *entry) error {
	var target string
	switch e.rr.Type {
	case "A", "AAAA", "MX":
		if !schema.IsHostName(owner, true) {
			return fmt.Errorf("%s is not a host name, which BIND requires of the owner of a %s record (check-names): use letters, digits and inner hyphens", owner, e.rr.Type)
		}
	}
	switch e.rr.Type {
	case "MX", "NS", "SRV":
		f := strings.Fields(e.rr.Data)
		target = f[len(f)-1]
	case "SOA":
		target = e.soa.Ns
	default:
		return nil
	}
	if !schema.IsHostName(target, false) {
		return fmt.Errorf("%s %s: %s is not a host name, which BIND requires of its target (check-names): use letters, digits and inner hyphens", owner, e.rr.Type, target)
	}
	return nil
}

// inZone reports whether a fully qualified, lower-case name is the zone's
// apex or below it.
func inZone(name, zone string) bool {
	return name == zone || strings.HasSuffix(name, "."+zone)
}

// onlyDNSSECBesideCNAME: a CNAME may stand beside its own signatures.
func onlyDNSSECBesideCNAME(types map[string]bool) bool {
	for t := range types {
		if t != "CNAME" && t != "RRSIG" && t != "NSEC" && t != "KEY" {
			return false
		}
	}
	return true
}

// parseMiekg pairs the entries with the records miekg/dns parses from the
// whole file.
func parseMiekg(z *zoneText, filename, src string) error {
	zp := mdns.NewZoneParser(strings.NewReader(src), z.zone, filename)
	zp.SetIncludeAllowed(false)
	i := 0
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		for i < len(z.entries) && !z.entries[i].record {
			i++
		}
		if i == len(z.entries) {
			return fmt.Errorf("%s: more records than entries; $GENERATE is not supported", filename)
		}
		e := z.entries[i]
		e.rr, e.soa = dns.FromMiekg(z.zone, rr), nil
		if soa, ok := rr.(*mdns.SOA); ok {
			e.rr, e.soa = soaRR(z.zone, soa), soa
		}
		i++
	}
	if err := zp.Err(); err != nil {
		return fmt.Errorf("%s: %w", filename, err)
	}
	for ; i < len(z.entries); i++ {
		if z.entries[i].record {
			return fmt.Errorf("%s: cannot read the entry %q", filename, strings.TrimSpace(z.entries[i].text))
		}
	}
	return nil
}

// splitEntries cuts a zone file into entries, following quotes, comments and
// parentheses.
func splitEntries(src string) []*entry {
	// An entry takes at least a line: the entries are made in one block
	// with the list of them, not one by one.
	lines := strings.Count(src, "\n") + 1
	block := make([]entry, 0, lines)
	out := make([]*entry, 0, lines)
	start := 0
	depth, inQuote, escaped, inComment := 0, false, false, false
	content := false // the entry has something besides blanks and comments
	broken := false  // a quoted string of the entry ran past a line's end
	flush := func(end int) {
		text := src[start:end]
		start = end
		if text == "" {
			return
		}
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		block = append(block, entry{text: text})
		e := &block[len(block)-1]
		e.openQuote, broken = broken, false
		trimmed := strings.TrimLeft(text, " \t")
		if content && !strings.HasPrefix(trimmed, "$") {
			e.record = true
			e.implicit = text[0] == ' ' || text[0] == '\t'
		}
		out = append(out, e)
		content = false
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inComment:
			if c == '\n' {
				inComment = false
				if depth == 0 {
					flush(i + 1)
				}
			}
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case inQuote:
			if c == '"' {
				inQuote = false
			} else if c == '\n' {
				// The entry ends here, as BIND's lexer would: the file is
				// refused for it.
				broken = true
				inQuote = false
				if depth == 0 {
					flush(i + 1)
				}
			}
		case c == '"':
			inQuote, content = true, true
		case c == ';':
			inComment = true
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case c == '\n':
			if depth == 0 {
				flush(i + 1)
			}
		case c != ' ' && c != '\t' && c != '\r':
			content = true
		}
	}
	flush(len(src))
	return out
}

// records returns the zone's records as libdns.RR, relative to the zone,
// without the SOA, and without records outside the zone, which a name
// server ignores.
func (z *zoneText) records() []libdns.RR {
	out := make([]libdns.RR, 0, len(z.entries))
	for _, e := range z.entries {
		if e.record && e.soa == nil && !strings.HasSuffix(e.rr.Name, ".") {
			out = append(out, e.rr)
		}
	}
	return out
}

// soa returns the SOA entry.
func (z *zoneText) soa() *entry {
	for _, e := range z.entries {
		if e.soa != nil {
			return e
		}
	}
	return nil
}

// replace makes each rrset in sets hold exactly its records, with the
// fewest edits: an entry whose record stays is kept as written, the entries
// of records that go are removed, and only new records are appended. An
// entry that took its owner from a removed one gets its owner written in
// front.
func (z *zoneText) replace(sets []dns.RRSet) error {
	type want struct {
		rr   libdns.RR
		kept bool
	}
	wanted := map[dns.Key][]*want{}
	var order []*want
	for _, s := range sets {
		k := dns.Key{Name: strings.ToLower(s.Name), Type: strings.ToUpper(s.Type)}
		wanted[k] = []*want{}
		for _, rr := range s.Records {
			norm, err := dns.Normalize(z.zone, rr)
			if err != nil {
				return err
			}
			w := &want{rr: norm}
			wanted[k] = append(wanted[k], w)
			order = append(order, w)
		}
	}
	var kept []*entry
	ownerGone := false
	for _, e := range z.entries {
		if !e.record {
			kept = append(kept, e)
			continue
		}
		rr := e.rr
		if ws, managed := wanted[dns.KeyOf(rr)]; managed {
			stays := false
			for _, w := range ws {
				if !w.kept && w.rr.Data == rr.Data && w.rr.TTL == rr.TTL {
					w.kept, stays = true, true
					break
				}
			}
			if !stays {
				if !e.implicit {
					ownerGone = true
				}
				continue
			}
		}
		if e.implicit && ownerGone {
			// Its owner was on the removed line: write the owner in front
			// of the line, which otherwise stays as it was.
			e = &entry{text: dns.Owner(z.zone, e.rr) + e.text, record: true, rr: e.rr, soa: e.soa}
		}
		if !e.implicit {
			ownerGone = false
		}
		kept = append(kept, e)
	}
	var added []*entry
	for _, w := range order {
		if w.kept {
			continue
		}
		added = append(added, &entry{text: dns.Line(z.zone, w.rr) + "\n", record: true, rr: w.rr})
	}
	if len(added) > 0 && !z.hasMarker(kept) {
		kept = append(kept, &entry{text: "\n" + marker + "\n"})
	}
	z.entries = append(kept, added...)
	return nil
}

const marker = "; Mail records managed by mailform."

func (z *zoneText) hasMarker(entries []*entry) bool {
	for _, e := range entries {
		if strings.Contains(e.text, marker) {
			return true
		}
	}
	return false
}

// setSerial writes the SOA again, on one line, with a new serial.
func (z *zoneText) setSerial(serial uint32) error {
	e := z.soa()
	if e == nil {
		return fmt.Errorf("zone %s has no SOA record", z.zone)
	}
	soa := *e.soa
	soa.Serial = serial
	e.soa = &soa
	e.text = soa.String() + "\n"
	e.implicit = false
	return nil
}

func (z *zoneText) String() string {
	var b strings.Builder
	for _, e := range z.entries {
		b.WriteString(e.text)
	}
	return b.String()
}
