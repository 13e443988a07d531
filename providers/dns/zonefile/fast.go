package zonefile

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/libdns/libdns"
	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/providers/dns"
)

// parseFast reads the entries of a plain zone file, the kind mailform
// writes, without miekg/dns's zone parser, which is most of the time a plan
// of thousands of zones spends reading them. Plain means: $ORIGIN and
// numeric $TTL directives; records of one line, their TTL in seconds and
// class IN if given, of the types A, AAAA, CAA, CNAME, MX, NS, SRV, TXT
// (quoted strings without escapes) and SOA; names of letters, digits, hyphens and
// underscores. It gives the records miekg/dns gives (FuzzParseZone holds it
// to that), and declines (false) at anything else. It sets the records of
// the entries as it goes: when it declines, parseMiekg sets every one again.
func parseFast(z *zoneText) bool {
	p := fastZone{origin: z.zone}
	var fields []string
	for _, e := range z.entries {
		var ok bool
		fields, ok = zoneFields(fields[:0], e.text)
		if !ok {
			return false
		}
		switch {
		case e.record:
			if e.rr, e.soa, ok = p.record(z.zone, fields, e.implicit); !ok {
				return false
			}
		case len(fields) > 0:
			if e.text[0] != '$' || !p.directive(fields) {
				return false
			}
		}
	}
	return true
}

// fastZone is the parser's state between entries, as miekg/dns keeps it.
type fastZone struct {
	origin   string // as written, fully qualified
	owner    string // the last record's owner, for an implicit one
	ttl      uint32 // the default TTL
	hasTTL   bool
	ttlByDir bool // the default TTL is $TTL's, not the last record's
}

func (p *fastZone) directive(f []string) bool {
	if len(f) != 2 {
		return false
	}
	switch f[0] {
	case "$ORIGIN":
		if typeOrClass(f[1]) {
			return false // miekg/dns's lexer takes it for a type or class, and refuses it
		}
		o, ok := p.absolute(f[1])
		p.origin = o
		return ok
	case "$TTL":
		ttl, ok := seconds(f[1])
		p.ttl, p.hasTTL, p.ttlByDir = ttl, true, true
		return ok
	}
	return false
}

func (p *fastZone) record(zone string, f []string, implicit bool) (libdns.RR, *mdns.SOA, bool) {
	var owner string
	if implicit {
		if p.owner == "" {
			return libdns.RR{}, nil, false
		}
		owner = p.owner
	} else {
		if len(f) == 0 || f[0] == "" || f[0][0] == '"' {
			return libdns.RR{}, nil, false
		}
		var ok bool
		if owner, ok = p.absolute(f[0]); !ok {
			return libdns.RR{}, nil, false
		}
		f = f[1:]
	}
	// [TTL] [IN] TYPE, or [IN] [TTL] TYPE.
	ttl, hasTTL, class := p.ttl, false, false
	for len(f) > 0 && !isFastType(f[0]) {
		switch {
		case f[0] == "IN" && !class:
			class = true
		case !hasTTL && f[0] != "" && f[0][0] >= '0' && f[0][0] <= '9':
			t, ok := seconds(f[0])
			if !ok {
				return libdns.RR{}, nil, false
			}
			ttl, hasTTL = t, true
		default:
			return libdns.RR{}, nil, false
		}
		f = f[1:]
	}
	if len(f) == 0 || !hasTTL && !p.hasTTL {
		return libdns.RR{}, nil, false
	}
	if hasTTL && !p.ttlByDir {
		p.ttl, p.hasTTL = ttl, true
	}
	p.owner = owner
	typ, data := fastType(f[0]), f[1:]
	rr := libdns.RR{
		Name: dns.RelativeName(dns.CanonicalName(owner), dns.CanonicalName(zone)),
		TTL:  time.Duration(ttl) * time.Second,
		Type: typ,
	}
	ok := false
	switch typ {
	case "A", "AAAA":
		if len(data) == 1 {
			a, err := netip.ParseAddr(data[0])
			ok = err == nil && a.String() == data[0] && (typ == "A") == a.Is4() && !a.Is4In6() && a.Zone() == ""
			rr.Data = data[0]
		}
	case "CNAME", "NS":
		if len(data) == 1 {
			var target string
			target, ok = p.absolute(data[0])
			rr.Data = dns.CanonicalName(target)
		}
	case "MX", "SRV":
		rr.Data, ok = p.numbersAndHost(data, map[string]int{"MX": 1, "SRV": 3}[typ])
	case "CAA":
		if len(data) == 3 && data[1][0] != '"' && len(data[2]) >= 2 && len(data[2]) <= 257 && data[2][0] == '"' && data[2][len(data[2])-1] == '"' {
			flag, err := strconv.ParseUint(data[0], 10, 8)
			// miekg/dns writes a tab in the value as \009.
			ok = err == nil && allDigits(data[0]) && !strings.Contains(data[2], "\t")
			rr.Data = strconv.FormatUint(flag, 10) + " " + data[1] + " " + data[2]
		}
	case "TXT":
		var b strings.Builder
		for _, s := range data {
			if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
				return libdns.RR{}, nil, false
			}
			b.WriteString(s[1 : len(s)-1])
		}
		rr.Data, ok = b.String(), len(data) > 0
	case "SOA":
		if len(data) != 7 {
			return libdns.RR{}, nil, false
		}
		ns, ok1 := p.absolute(data[0])
		mbox, ok2 := p.absolute(data[1])
		var nums [5]uint32
		for i, s := range data[2:] {
			n, err := strconv.ParseUint(s, 10, 32)
			if err != nil || !allDigits(s) {
				return libdns.RR{}, nil, false
			}
			nums[i] = uint32(n)
		}
		soa := &mdns.SOA{
			Hdr: mdns.RR_Header{Name: owner, Rrtype: mdns.TypeSOA, Class: mdns.ClassINET, Ttl: ttl},
			Ns:  ns, Mbox: mbox, Serial: nums[0], Refresh: nums[1], Retry: nums[2], Expire: nums[3], Minttl: nums[4],
		}
		return soaRR(zone, soa), soa, ok1 && ok2
	}
	// Copies, so that the file's text is not kept for a few bytes of it.
	rr.Name, rr.Data = strings.Clone(rr.Name), strings.Clone(rr.Data)
	return rr, nil, ok
}

// soaRR is the SOA entry's record: its owner, TTL and type only, since its
// fields are read from the SOA itself.
func soaRR(zone string, soa *mdns.SOA) libdns.RR {
	return libdns.RR{
		Name: dns.RelativeName(dns.CanonicalName(soa.Hdr.Name), dns.CanonicalName(zone)),
		TTL:  time.Duration(soa.Hdr.Ttl) * time.Second,
		Type: "SOA",
	}
}

// numbersAndHost reads MX and SRV data: n 16-bit numbers, then a host.
func (p *fastZone) numbersAndHost(data []string, n int) (string, bool) {
	if len(data) != n+1 {
		return "", false
	}
	out := make([]string, 0, n+1)
	for _, s := range data[:n] {
		v, err := strconv.ParseUint(s, 10, 16)
		if err != nil || len(s) > 5 || !allDigits(s) {
			return "", false
		}
		out = append(out, strconv.FormatUint(v, 10))
	}
	host, ok := p.absolute(data[n])
	return strings.Join(append(out, dns.CanonicalName(host)), " "), ok
}

// absolute qualifies a name as miekg/dns does: "@" is the origin, a name
// without the final dot is relative to it.
func (p *fastZone) absolute(name string) (string, bool) {
	switch {
	case name == "@":
		return p.origin, true
	case strings.HasSuffix(name, "."):
	default:
		name += "." + p.origin
		if p.origin == "." {
			name = name[:len(name)-1]
		}
	}
	return name, dns.PlainName(name)
}

// typeOrClass reports whether miekg/dns's lexer reads a token as an RR type
// or class where no type has been seen yet.
func typeOrClass(s string) bool {
	u := strings.ToUpper(s)
	_, isType := mdns.StringToType[u]
	_, isClass := mdns.StringToClass[u]
	return isType || isClass || strings.HasPrefix(u, "TYPE") || strings.HasPrefix(u, "CLASS")
}

// seconds reads a TTL given in seconds.
func seconds(s string) (uint32, bool) {
	n, err := strconv.ParseUint(s, 10, 64)
	return uint32(n), err == nil && allDigits(s) && n <= math.MaxUint32
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

var fastTypes = []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TXT", "SOA"}

func isFastType(s string) bool { return fastType(s) != "" }

// fastType is the type s names, as a constant string, or "".
func fastType(s string) string {
	for _, t := range fastTypes {
		if s == t {
			return t
		}
	}
	return ""
}

// zoneFields splits an entry of one line into its fields, a quoted string
// (quotes kept) being one, up to a comment, appending them to out. It
// declines entries of more lines, parentheses, escapes, text that is not
// printable ASCII, and comments holding another ';'.
func zoneFields(out []string, text string) ([]string, bool) {
	for i := 0; i < len(text); i++ {
		if c := text[i]; (c < ' ' || c > '~' || c == '\\' || c == '(' || c == ')') && c != '\t' && c != '\n' {
			return nil, false
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '\n':
			return out, i == len(text)-1
		case c == ';':
			// A second ';' in a comment can end miekg/dns's lexer with
			// "comment length insufficient" when the comment is long, so
			// such a line is left to it.
			nl := strings.IndexByte(text[i:], '\n')
			return out, nl == len(text)-1-i && !strings.Contains(text[i+1:], ";")
		case c == '"':
			end := strings.IndexByte(text[i+1:], '"')
			if end < 0 || strings.Contains(text[i+1:i+1+end], "\n") {
				return nil, false
			}
			end += i + 2
			if end < len(text) && text[end] != ' ' && text[end] != '\t' && text[end] != '\n' {
				return nil, false
			}
			out = append(out, text[i:end])
			i = end
		default:
			j := i
			for j < len(text) && text[j] != ' ' && text[j] != '\t' && text[j] != '\n' && text[j] != ';' && text[j] != '"' {
				j++
			}
			if j < len(text) && text[j] == '"' {
				return nil, false
			}
			out = append(out, text[i:j])
			i = j
		}
	}
	return out, false
}
