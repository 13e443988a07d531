package dns

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/libdns/libdns"
	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/schema"
)

// FromMiekg converts a parsed record into a libdns.RR relative to zone, in
// canonical form: lower-case names, fully qualified targets, TXT text
// unescaped and joined into one string.
func FromMiekg(zone string, rr mdns.RR) libdns.RR {
	h := rr.Header()
	var data string
	switch r := rr.(type) {
	case *mdns.TXT:
		var b strings.Builder
		for _, s := range r.Txt {
			b.WriteString(unescapeTXT(s))
		}
		data = b.String()
	case *mdns.MX:
		data = fmt.Sprintf("%d %s", r.Preference, CanonicalName(r.Mx))
	case *mdns.CNAME:
		data = CanonicalName(r.Target)
	case *mdns.NS:
		data = CanonicalName(r.Ns)
	case *mdns.SRV:
		data = fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, CanonicalName(r.Target))
	default:
		data = strings.TrimPrefix(rr.String(), h.String())
	}
	return libdns.RR{
		Name: RelativeName(CanonicalName(h.Name), CanonicalName(zone)),
		TTL:  time.Duration(h.Ttl) * time.Second,
		Type: mdns.TypeToString[h.Rrtype],
		Data: data,
	}
}

// ToMiekg parses a libdns.RR of zone.
func ToMiekg(zone string, rr libdns.RR) (mdns.RR, error) {
	parsed, err := schema.ParseRR(Line(zone, rr))
	if err != nil {
		return nil, fmt.Errorf("%s %s %q: %w", rr.Name, rr.Type, rr.Data, err)
	}
	return parsed, nil
}

// Normalize puts a record in the canonical form FromMiekg gives, so that
// records from the config and from any provider compare as equal when they
// mean the same.
func Normalize(zone string, rr libdns.RR) (libdns.RR, error) {
	if out, ok := normalizeFast(zone, rr); ok {
		return out, nil
	}
	return normalizeSlow(zone, rr)
}

// normalizeSlow normalizes by writing the record as a zone-file line and
// parsing it back.
func normalizeSlow(zone string, rr libdns.RR) (libdns.RR, error) {
	parsed, err := ToMiekg(zone, rr)
	if err != nil {
		return rr, err
	}
	return FromMiekg(zone, parsed), nil
}

// unescapeTXT turns a TXT string's presentation form (\" \\ \DDD) into
// its bytes.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			if n, err := strconv.Atoi(s[i+1 : i+4]); err == nil && n < 256 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// normalizeFast normalizes the plain records mail DNS is made of — A,
// AAAA, MX, CNAME, NS, SRV and TXT with simple names and printable text —
// without a round trip through the zone-file parser, which a plan of
// thousands of zones would spend most of its time in. It gives what
// normalizeSlow gives (FuzzNormalize holds it to that), and declines (ok
// false) at anything else.
func normalizeFast(zone string, rr libdns.RR) (libdns.RR, bool) {
	secs := int64(rr.TTL / time.Second)
	if secs < 0 || secs > math.MaxUint32 || rr.TTL < 0 {
		return rr, false
	}
	abs := libdns.AbsoluteName(rr.Name, zone)
	if !strings.HasSuffix(abs, ".") {
		abs += "."
	}
	if !PlainName(abs) || !PlainName(mdns.Fqdn(zone)) {
		return rr, false
	}
	out := libdns.RR{
		Name: RelativeName(CanonicalName(abs), CanonicalName(zone)),
		TTL:  time.Duration(secs) * time.Second,
		Type: rr.Type,
	}
	var ok bool
	switch rr.Type {
	case "A", "AAAA":
		a, err := netip.ParseAddr(rr.Data)
		ok = err == nil && a.String() == rr.Data && (rr.Type == "A") == a.Is4() && !a.Is4In6() && a.Zone() == ""
		out.Data = rr.Data
	case "TXT":
		ok = printable(rr.Data)
		out.Data = rr.Data
	case "CNAME", "NS":
		ok = PlainName(rr.Data) && strings.HasSuffix(rr.Data, ".")
		out.Data = CanonicalName(rr.Data)
	case "MX", "SRV":
		fields := strings.Fields(rr.Data)
		want := 2
		if rr.Type == "SRV" {
			want = 4
		}
		if len(fields) != want || rr.Data != strings.Join(fields, " ") {
			return rr, false
		}
		host := fields[want-1]
		if !PlainName(host) || !strings.HasSuffix(host, ".") {
			return rr, false
		}
		nums := make([]string, 0, want)
		for _, f := range fields[:want-1] {
			n, err := strconv.ParseUint(f, 10, 16)
			if err != nil || len(f) > 5 {
				return rr, false
			}
			nums = append(nums, strconv.FormatUint(n, 10))
		}
		out.Data, ok = strings.Join(append(nums, CanonicalName(host)), " "), true
	}
	return out, ok
}

// CanonicalName is miekg/dns's CanonicalName, the name in lower case and
// fully qualified, without its cost for a name that is so already: that
// one maps every character into a new string, and a plan asks for
// millions of names, nearly all of them canonical.
func CanonicalName(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c == '\\' || c >= utf8.RuneSelf {
			return mdns.CanonicalName(s)
		}
	}
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// PlainName reports whether a name is letters, digits, hyphens,
// underscores and dots, with labels of 1 to 63 characters, in at most 255
// in all (an asterisk may be the first label).
func PlainName(s string) bool {
	if s == "." {
		return true
	}
	if len(s) == 0 || len(s) > 254 || s[0] == '.' {
		return false
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
			continue
		case c == '*' && i == 0 && (len(s) == 1 || s[1] == '.'):
		case c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		default:
			return false
		}
		label++
		if label > 63 {
			return false
		}
	}
	return true
}

// printable reports whether a TXT text is printable ASCII.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
