package dns

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/libdns/libdns"
	mdns "github.com/miekg/dns"
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
		data = fmt.Sprintf("%d %s", r.Preference, mdns.CanonicalName(r.Mx))
	case *mdns.CNAME:
		data = mdns.CanonicalName(r.Target)
	case *mdns.NS:
		data = mdns.CanonicalName(r.Ns)
	case *mdns.SRV:
		data = fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, mdns.CanonicalName(r.Target))
	default:
		data = strings.TrimPrefix(rr.String(), h.String())
	}
	return libdns.RR{
		Name: libdns.RelativeName(mdns.CanonicalName(h.Name), mdns.CanonicalName(zone)),
		TTL:  time.Duration(h.Ttl) * time.Second,
		Type: mdns.TypeToString[h.Rrtype],
		Data: data,
	}
}

// ToMiekg parses a libdns.RR of zone.
func ToMiekg(zone string, rr libdns.RR) (mdns.RR, error) {
	parsed, err := mdns.NewRR(Line(zone, rr))
	if err != nil {
		return nil, fmt.Errorf("%s %s %q: %w", rr.Name, rr.Type, rr.Data, err)
	}
	if parsed == nil {
		return nil, fmt.Errorf("%s %s: empty record", rr.Name, rr.Type)
	}
	return parsed, nil
}

// Normalize puts a record in the canonical form FromMiekg gives, so that
// records from the config and from any provider compare as equal when they
// mean the same.
func Normalize(zone string, rr libdns.RR) (libdns.RR, error) {
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
