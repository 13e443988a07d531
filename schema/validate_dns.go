package schema

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/png" // lets image.DecodeConfig read PNG logos
	"net/netip"
	"regexp"
	"strings"

	"github.com/miekg/dns"
)

// Logo size the panel and webmail expect.
const (
	LogoWidth  = 177
	LogoHeight = 49
)

var (
	selectorPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
	ownerLabel      = regexp.MustCompile(`^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$`)
	recordTypes     = []string{"A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA", "NS", "TLSA"}
)

// dnsSettings checks a domain's SPF, DMARC, DKIM, PEC and explicit records.
func (c *checker) dnsSettings(d *Domain, x *index) {
	if d.DNSThreshold != nil && (*d.DNSThreshold < 0 || *d.DNSThreshold > 100) {
		c.errorf(d.At("dns_change_threshold"), "A percentage is 0-100; 100 turns the check off.", "dns_change_threshold %d is out of range", *d.DNSThreshold)
	}
	if s := d.SPF; s != nil {
		for i, h := range s.Include {
			if p := dnsName(h); p != nil {
				c.problem(s.At(fmt.Sprintf("include.%d", i)), p)
			}
		}
		for i, ip := range s.IP4 {
			if !isFamily(ip, true) {
				c.errorf(s.At(fmt.Sprintf("ip4.%d", i)), "Write an IPv4 address or network, such as 203.0.113.5 or 203.0.113.0/24.", "%q is not an IPv4 address or network", ip)
			}
		}
		for i, ip := range s.IP6 {
			if !isFamily(ip, false) {
				c.errorf(s.At(fmt.Sprintf("ip6.%d", i)), "Write an IPv6 address or network, such as 2001:db8::5 or 2001:db8::/48.", "%q is not an IPv6 address or network", ip)
			}
		}
		// mx (always published) and each include cost one DNS lookup; SPF
		// allows ten.
		if n := len(s.Include) + 1; n > 10 {
			c.errorf(s.At("include"), "SPF evaluation stops after 10 DNS lookups (RFC 7208 §4.6.4); the mx mechanism takes one. Drop includes, or list senders with ip4/ip6.",
				"SPF needs %d DNS lookups, more than 10", n)
		}
	}
	if m := d.DMARC; m != nil {
		if m.Percent != nil && (*m.Percent < 0 || *m.Percent > 100) {
			c.errorf(m.At("percent"), "pct= is a percentage, 0 to 100.", "DMARC percent %d is out of range", *m.Percent)
		}
		for _, set := range []struct {
			attr string
			list []string
		}{{"rua", m.RUA}, {"ruf", m.RUF}} {
			for i, u := range set.list {
				addr, p := address(strings.TrimPrefix(strings.TrimPrefix(u, "mailto:"), "MAILTO:"))
				if p != nil {
					c.errorf(m.At(fmt.Sprintf("%s.%d", set.attr, i)), "Write an address or a mailto: URI, such as mailto:dmarc@example.com.", "DMARC %s %s", set.attr, p.summary)
					continue
				}
				set.list[i] = "mailto:" + addr
			}
		}
	}
	if k := d.DKIM; k != nil {
		sel := strings.ToLower(k.Selector)
		if k.Selector != "" && !selectorPattern.MatchString(sel) {
			c.errorf(k.At("selector"), "A selector is one or more DNS labels of letters, digits and hyphens, such as mail2026.", "DKIM selector %q is not valid", k.Selector)
		}
		k.Selector = sel
		active := sel
		if active == "" {
			active = DefaultDKIMSelector
		}
		seen := map[string]bool{active: true}
		for i, p := range k.PreviousSelectors {
			rng := k.At(fmt.Sprintf("previous_selectors.%d", i))
			p = strings.ToLower(p)
			k.PreviousSelectors[i] = p
			if !selectorPattern.MatchString(p) {
				c.errorf(rng, "A selector is one or more DNS labels of letters, digits and hyphens, such as mail2025.", "DKIM selector %q is not valid", p)
				continue
			}
			if seen[p] {
				c.errorf(rng, "The active selector and each previous one must differ.", "DKIM selector %q is listed twice", p)
			}
			seen[p] = true
		}
		keyType := value(k.KeyType, "rsa")
		if k.KeyBits != nil {
			switch {
			case keyType != "rsa":
				c.errorf(k.At("key_bits"), "An ed25519 key has a fixed size; drop key_bits.", "key_bits applies to rsa keys only")
			case *k.KeyBits != 1024 && *k.KeyBits != 2048 && *k.KeyBits != 4096:
				c.errorf(k.At("key_bits"), "Use 2048 (recommended), 1024 or 4096.", "DKIM key size %d is not supported", *k.KeyBits)
			}
		}
	}
	if p := d.PEC; p != nil {
		if p.Host != "" {
			if pr := hostName(p.Host); pr != nil {
				c.problem(p.At("host"), pr)
			}
		}
		if p.Priority != nil && (*p.Priority < 0 || *p.Priority > 65535) {
			c.errorf(p.At("priority"), "An MX priority is 0-65535.", "PEC MX priority %d is out of range", *p.Priority)
		}
		c.reference(p.DNS, p.At("dns"), x.dnsProviders, "PEC of "+d.Name, "dns_provider")
		if p.DNS != "" && value(p.Placement, PECAuto) == PECParent {
			c.errorf(p.At("dns"), "With placement = \"parent\" the cert MX goes into the domain's own zone; drop dns, or use placement = \"delegated\".", "a PEC in the parent zone takes no DNS provider of its own")
		}
	}
	for _, r := range d.Records {
		c.record(d, r)
	}
}

func isFamily(s string, v4 bool) bool {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Is4() == v4
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Addr().Is4() == v4
	}
	return false
}

// record checks an explicit DNS record by parsing it as a zone-file line.
func (c *checker) record(d *Domain, r *Record) {
	typ := strings.ToUpper(r.Type)
	if r.Type != "" && !contains(recordTypes, typ) {
		detail := fmt.Sprintf("mailform manages %s records.", strings.Join(recordTypes, ", "))
		if s := suggest(typ, recordTypes); s != "" {
			detail = fmt.Sprintf("Did you mean %q? %s", s, detail)
		}
		c.errorf(r.At("type"), detail, "record type %q is not supported", r.Type)
		return
	}
	r.Type = typ
	name := strings.ToLower(r.Name)
	switch {
	case name == "" || name == "@":
		name = "@"
	case strings.HasSuffix(name, "."):
		if name != d.Name+"." && !strings.HasSuffix(name, "."+d.Name+".") {
			c.errorf(r.At("name"), fmt.Sprintf("Records go into the zone of %s; write the name relative to it, such as www, or @ for the apex.", d.Name), "record name %s is outside zone %s", r.Name, d.Name)
			return
		}
		name = strings.TrimSuffix(strings.TrimSuffix(name, "."), d.Name)
		name = strings.TrimSuffix(name, ".")
		if name == "" {
			name = "@"
		}
	case name == d.Name || strings.HasSuffix(name, "."+d.Name):
		c.errorf(r.At("name"), fmt.Sprintf("Names are relative to the zone: write %s, or %s. with a final dot.", relName(name, d.Name), name), "record name %s would be %s.%s", r.Name, name, d.Name)
		return
	}
	if name != "@" {
		for _, l := range strings.Split(name, ".") {
			if !ownerLabel.MatchString(l) {
				c.errorf(r.At("name"), "A name is dot-separated labels of letters, digits, '-' and '_', such as www or _imaps._tcp.", "record name %q is not valid", r.Name)
				return
			}
		}
	}
	r.Name = name
	if r.TTL != nil && (*r.TTL < 30 || *r.TTL > 604800) {
		c.errorf(r.At("ttl"), "Use 30 to 604800 seconds.", "record TTL %d is out of range", *r.TTL)
	}
	if typ == "" || r.Value == "" {
		if r.Value == "" && r.Node.Has("value") && !c.reported(r.At("value")) {
			c.errorf(r.At("value"), "Write the record data, such as \"203.0.113.10\" for an A record.", "record value is empty")
		}
		return
	}
	fqdn := d.Name + "."
	if name != "@" {
		fqdn = name + "." + fqdn
	}
	data := r.Value
	if typ == "TXT" {
		data = QuoteTXT(r.Value)
	}
	rr, err := ParseRR(fmt.Sprintf("%s 3600 IN %s %s", fqdn, typ, data))
	if err != nil {
		why := strings.TrimPrefix(err.Error(), "dns: ")
		c.errorf(r.At("value"), fmt.Sprintf("It does not parse as %s data (%s). %s", typ, why, recordExample(typ)), "record value %q is not valid %s data", r.Value, typ)
		return
	}
	// BIND checks host names in a primary zone (check-names), and refuses
	// the whole zone for one record that fails.
	if (typ == "A" || typ == "AAAA" || typ == "MX") && name != "@" && !IsHostName(name, true) {
		c.errorf(r.At("name"), "Name servers refuse a zone whose address and MX records are owned by names that are not host names: use letters, digits and inner hyphens (www, mail-2).",
			"record name %q cannot own a %s record", r.Name, typ)
		return
	}
	var target string
	switch x := rr.(type) {
	case *dns.MX:
		target = x.Mx
	case *dns.SRV:
		target = x.Target
	case *dns.NS:
		target = x.Ns
	}
	if target != "" && !IsHostName(target, false) {
		c.errorf(r.At("value"), "Name servers refuse a zone whose MX, SRV or NS records point to names that are not host names: use letters, digits and inner hyphens.",
			"%s target %s is not a host name", typ, target)
		return
	}
	sel := DefaultDKIMSelector
	if d.DKIM != nil && d.DKIM.Selector != "" {
		sel = d.DKIM.Selector
	}
	switch {
	case name == "@" && typ == "MX":
		c.errorf(r.At("type"), "mailform sets the apex MX from the domain's mx and branding settings; change those instead.", "the apex MX is managed by mailform")
	case name == "@" && typ == "CNAME":
		c.errorf(r.At("type"), "A CNAME cannot stand beside the SOA, NS and MX records of a zone apex.", "a zone apex cannot be a CNAME")
	case name == "@" && typ == "TXT" && strings.HasPrefix(strings.ToLower(r.Value), "v=spf1"):
		c.errorf(r.At("value"), "mailform writes the SPF record from the domain's spf block; set include, ip4 and ip6 there.", "the SPF record is managed by mailform")
	case name == "_dmarc":
		c.errorf(r.At("name"), "mailform writes _dmarc from the domain's dmarc block; change that instead.", "the DMARC record is managed by mailform")
	case name == sel+"._domainkey":
		c.errorf(r.At("name"), "mailform publishes the DKIM key of the active selector itself.", "the DKIM record %s is managed by mailform", name)
	}
}

// IsHostName reports whether a name, fully qualified or not, is a host
// name as name servers check it (BIND's check-names): labels of letters,
// digits and hyphens, starting and ending with a letter or digit; the
// root "." is one. With wildcard, the first label may be "*".
func IsHostName(name string, wildcard bool) bool {
	if name == "." {
		return true
	}
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	if wildcard && labels[0] == "*" {
		labels = labels[1:]
	}
	for _, l := range labels {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func relName(name, zone string) string {
	n := strings.TrimSuffix(strings.TrimSuffix(name, zone), ".")
	if n == "" {
		return "@"
	}
	return n
}

// ParseRR parses exactly one resource record written on one line of
// zone-file syntax. Unlike dns.NewRR, which reads the first record and
// drops what follows it, it refuses whatever the record would not hold:
// a line break, a comment, parentheses, a second record or a directive.
// A value it accepts is taken whole.
func ParseRR(line string) (dns.RR, error) {
	inQuote, escaped := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c < 0x20 && c != '\t' || c == 0x7f:
			return nil, fmt.Errorf("control character %U in the record", rune(c))
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == ';':
			return nil, errors.New("a comment (;) outside quotes: write it in quotes, or leave it out")
		case c == '(' || c == ')':
			return nil, errors.New("parentheses outside quotes: write the record on one line without them")
		}
	}
	zp := dns.NewZoneParser(strings.NewReader(line), "", "")
	zp.SetIncludeAllowed(false)
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil {
		return nil, err
	}
	if !ok || rr == nil {
		return nil, errors.New("it is empty")
	}
	if extra, more := zp.Next(); more || zp.Err() != nil {
		if err := zp.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("a second record follows: %s", extra)
	}
	return rr, nil
}

// QuoteTXT turns TXT text into zone-file data: quoted, in strings of at
// most 255 bytes, with quotes and backslashes escaped and every byte that
// is not printable ASCII written as \DDD (RFC 1035 §5.1), so that no
// text can end the line or the string it is written in.
func QuoteTXT(s string) string {
	var b strings.Builder
	for first := true; first || len(s) > 0; first = false {
		n := min(len(s), 255)
		if !first {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		for i := 0; i < n; i++ {
			switch c := s[i]; {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < 0x20 || c >= 0x7f:
				fmt.Fprintf(&b, "\\%03d", c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
		s = s[n:]
	}
	return b.String()
}

func recordExample(typ string) string {
	switch typ {
	case "A":
		return `An A record is an IPv4 address: "203.0.113.10".`
	case "AAAA":
		return `An AAAA record is an IPv6 address: "2001:db8::10".`
	case "CNAME", "NS":
		return `Write a host name with a final dot: "host.example.net.".`
	case "MX":
		return `Write the priority and the host: "10 mx.example.net.".`
	case "SRV":
		return `Write priority, weight, port and target: "0 1 993 mail.example.net.".`
	case "CAA":
		return `Write flags, tag and value: "0 issue \"letsencrypt.org\"".`
	case "TLSA":
		return `Write usage, selector, matching type and data: "3 1 1 <hex>".`
	}
	return `Write the text itself, without quotes.`
}

func (c *checker) customization(d *Domain, cu *Customization) {
	if cu.Hostname != "" {
		if p := hostName(cu.Hostname); p != nil {
			c.problem(cu.At("hostname"), p)
		}
	}
	if cu.Logo == "" {
		return
	}
	rng := cu.At("logo")
	b, err := c.cfg.Access.Read(cu.Logo, MaxLogoFile)
	if err != nil {
		c.errorf(rng, fmt.Sprintf("The path is relative to the config directory %s; a logo lies there, or in a directory allow_files_from names, and is a PNG of at most %s.", c.cfg.Dir, byteSize(MaxLogoFile)),
			"logo %s cannot be read: %s", cu.Logo, readProblem(err, MaxLogoFile))
		return
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || format != "png" {
		c.errorf(rng, fmt.Sprintf("The logo must be a transparent PNG of %d×%d pixels.", LogoWidth, LogoHeight), "logo %s is not a PNG image", cu.Logo)
		return
	}
	if cfg.Width != LogoWidth || cfg.Height != LogoHeight {
		c.errorf(rng, fmt.Sprintf("The panel and webmail show the logo at %d×%d pixels; resize the image to exactly that.", LogoWidth, LogoHeight),
			"logo %s is %d×%d pixels, not %d×%d", cu.Logo, cfg.Width, cfg.Height, LogoWidth, LogoHeight)
		return
	}
	if !transparent(cfg.ColorModel) {
		c.warnf(rng, "The logo shows over coloured backgrounds; save it with an alpha channel.", "logo %s has no transparency", cu.Logo)
	}
}

// transparent tells whether a PNG's colour model can hold transparency.
func transparent(m color.Model) bool {
	switch m {
	case color.NRGBAModel, color.NRGBA64Model:
		return true
	}
	if p, ok := m.(color.Palette); ok {
		for _, c := range p {
			if _, _, _, a := c.RGBA(); a < 0xffff {
				return true
			}
		}
	}
	return false
}
