package reconcile

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

// Purpose says why mailform publishes a record; it groups the records it
// manages together.
type Purpose string

// The purposes of mail DNS records (DESIGN.md, "Mail owns only mail DNS").
const (
	PurposeMX         Purpose = "mx"         // apex MX
	PurposeHost       Purpose = "host"       // mail./webmail. A and AAAA
	PurposeSPF        Purpose = "spf"        // the apex TXT value starting v=spf1
	PurposeDMARC      Purpose = "dmarc"      // _dmarc TXT
	PurposeDKIM       Purpose = "dkim"       // <selector>._domainkey TXT
	PurposeOwnership  Purpose = "ownership"  // d<9 digits> A <verification IP>
	PurposeSRV        Purpose = "srv"        // RFC 6186 client SRV records
	PurposeAutoconfig Purpose = "autoconfig" // autoconfig CNAME for mail clients
	PurposePEC        Purpose = "pec"        // cert MX for certified mail
	PurposeExplicit   Purpose = "record"     // records the config declares
)

// Record is a DNS record mailform wants, its owner fully qualified.
type Record struct {
	Name     string // lower case, without the final dot
	Type     string
	TTL      time.Duration
	Data     string // as libdns.RR holds it: a TXT's text unquoted
	Purpose  Purpose
	Provider string // the DNS provider; "" when the zone is not managed
	// Zone, when set, is the zone the record must go into (a delegated
	// cert.<domain> zone); otherwise the zone is found at plan time.
	Zone string
	// Pending marks a DKIM record whose key is made at apply.
	Pending bool
}

// DomainDNS is the mail DNS of one real or alias domain.
type DomainDNS struct {
	Address   string // the domain's plan address
	Domain    string // ASCII
	Display   string // as people read it (Unicode for an IDN)
	Provider  string // "" when the zone is not managed
	Records   []Record
	Threshold *int // the domain's dns_change_threshold
	// PECAuto is set when the cert MX goes to cert.<domain> if that is a
	// zone of its own, else into the domain's zone.
	PECAuto bool
}

// dkimPlaceholder stands for a public key mailform makes at apply.
const dkimPlaceholder = "(key generated at apply)"

var tokenName = regexp.MustCompile(`^d[0-9]{9}$`)

// VerificationToken is the name of a domain's ownership record: d and nine
// digits. It is derived from the domain's name, so that it is the same on
// every run, in every plan, without being stored anywhere first.
func VerificationToken(domain string) string {
	sum := sha256.Sum256([]byte("mailform ownership record " + domain))
	return fmt.Sprintf("d%09d", binary.BigEndian.Uint64(sum[:8])%1_000_000_000)
}

// dkimKeys finds the live DKIM keys of a domain: by selector, and the one
// that signs.
type dkimKeys interface {
	DKIMKey(domain, selector string) *mail.DKIMKey
	SigningKey(domain string) *mail.DKIMKey
}

// tokens gives a domain's verification token: the one the backend holds, or
// VerificationToken.
type tokens func(domain string) string

// MailDNS derives the mail DNS of every real and alias domain of the config.
func MailDNS(cfg *schema.Config, token tokens, keys dkimKeys) []*DomainDNS {
	var out []*DomainDNS
	eachMailDNS(cfg, token, keys, func(group []*DomainDNS) { out = append(out, group...) })
	return out
}

// eachMailDNS passes MailDNS to yield a domain at a time: the domain, then
// its alias domains. A DomainDNS whose Records yield sets to nil is done
// with, and the storage of its records is used again for the next domain's:
// a plan compares ten thousand domains' records one domain after another.
func eachMailDNS(cfg *schema.Config, token tokens, keys dkimKeys, yield func([]*DomainDNS)) {
	var group []*DomainDNS
	var given, free [][]Record
	take := func() []Record {
		if n := len(free); n > 0 {
			r := free[n-1]
			free = free[:n-1]
			return r
		}
		return make([]Record, 0, 16) // a domain has about a dozen
	}
	for _, t := range cfg.Tenants {
		for _, d := range t.Domains {
			real := domainDNS(cfg, t, d, token, keys, take())
			group = append(group[:0], real)
			for _, a := range d.AliasDomains {
				group = append(group, aliasDomainDNS(cfg, t, d, a, real, token, take()))
			}
			given = given[:0]
			for _, g := range group {
				given = append(given, g.Records)
			}
			yield(group)
			for i, g := range group {
				if g.Records == nil && cap(given[i]) > 0 {
					clear(given[i])
					free = append(free, given[i][:0])
				}
			}
		}
	}
}

func domainAddress(t *schema.Tenant, d *schema.Domain) string {
	return "tenant." + t.Name + "/domain." + d.Name
}

// domainDNS makes a domain's records, into recs (empty, to be appended to).
func domainDNS(cfg *schema.Config, t *schema.Tenant, d *schema.Domain, token tokens, keys dkimKeys, recs []Record) *DomainDNS {
	p := cfg.Platform
	r := cfg.Reseller
	de := d.Effective
	ttl := time.Duration(de.DNSTTL) * time.Second
	out := &DomainDNS{Address: domainAddress(t, d), Domain: d.Name, Display: d.Name, Provider: d.DNS, Threshold: d.DNSThreshold,
		Records: recs}
	add := func(name, typ, data string, purpose Purpose) {
		out.Records = append(out.Records, Record{Name: name, Type: typ, TTL: ttl, Data: data, Purpose: purpose, Provider: d.DNS})
	}
	for _, mx := range mxData(cfg, d) {
		add(d.Name, "MX", mx, PurposeMX)
	}
	if r != nil && (de.MX == schema.MXOwn || de.Branding == schema.BrandingCustomer) {
		names := []string{"mail." + d.Name}
		if de.Branding == schema.BrandingCustomer {
			names = append(names, "webmail."+d.Name)
		}
		for _, n := range names {
			if r.IPv4 != "" {
				add(n, "A", r.IPv4, PurposeHost)
			}
			if r.IPv6 != "" {
				add(n, "AAAA", r.IPv6, PurposeHost)
			}
		}
	}
	if spf := spfRecord(cfg, d); spf != "" {
		add(d.Name, "TXT", spf, PurposeSPF)
	}
	if dmarc := dmarcRecord(d); dmarc != "" {
		add("_dmarc."+d.Name, "TXT", dmarc, PurposeDMARC)
	}
	selectors := dkimSelectors(d)
	for _, sel := range selectors {
		k := keys.DKIMKey(d.Name, sel)
		if k != nil && sel == activeSelector(d) && !keyFits(k, d) {
			k = nil // replaced at apply by a key of the configured type
		}
		switch {
		case k != nil:
			add(sel+"._domainkey."+d.Name, "TXT", dkimText(k.Algorithm, k.PublicKey), PurposeDKIM)
		case sel == activeSelector(d):
			add(sel+"._domainkey."+d.Name, "TXT", dkimText(dkimAlgorithm(d), dkimPlaceholder), PurposeDKIM)
			out.Records[len(out.Records)-1].Pending = true
		}
	}
	// The key that signs keeps its record while it does, though the config
	// dropped its selector: it stops once the new key is published.
	if k := keys.SigningKey(d.Name); k != nil && !slices.Contains(selectors, k.Selector) {
		add(k.Selector+"._domainkey."+d.Name, "TXT", dkimText(k.Algorithm, k.PublicKey), PurposeDKIM)
	}
	if p.VerificationIP != "" {
		add(token(d.Name)+"."+d.Name, "A", p.VerificationIP, PurposeOwnership)
	}
	for _, srv := range srvRecords(cfg, d) {
		add(srv[0]+"."+d.Name, "SRV", srv[1], PurposeSRV)
	}
	if host := webmailHost(HostsOf(cfg, d).Webmail); host != "" {
		add("autoconfig."+d.Name, "CNAME", host+".", PurposeAutoconfig)
	}
	if pec := d.PEC; pec != nil {
		host := pec.Host
		if host == "" {
			host = schema.DefaultPECHost
		}
		rec := Record{Name: "cert." + d.Name, Type: "MX", TTL: ttl, Purpose: PurposePEC, Provider: d.DNS,
			Data: fmt.Sprintf("%d %s.", derefOr(pec.Priority, schema.DefaultPECPriority), strings.TrimSuffix(strings.ToLower(host), "."))}
		if pec.DNS != "" {
			rec.Provider = pec.DNS
		}
		switch derefOr(pec.Placement, schema.PECAuto) {
		case schema.PECDelegated:
			rec.Zone = "cert." + d.Name
		case schema.PECAuto:
			out.PECAuto = true
		}
		out.Records = append(out.Records, rec)
	}
	for _, x := range d.Records {
		name := d.Name
		if x.Name != "@" {
			name = x.Name + "." + d.Name
		}
		xttl := ttl
		if x.TTL != nil {
			xttl = time.Duration(*x.TTL) * time.Second
		}
		out.Records = append(out.Records, Record{Name: name, Type: x.Type, TTL: xttl, Data: x.Value, Purpose: PurposeExplicit, Provider: d.DNS})
	}
	return out
}

// aliasDomainDNS is what an alias domain needs: it receives mail like its
// real domain, and proves its own ownership. Clients never use its names.
func aliasDomainDNS(cfg *schema.Config, t *schema.Tenant, d *schema.Domain, a *schema.AliasDomain, real *DomainDNS, token tokens, recs []Record) *DomainDNS {
	provider := a.DNS
	if provider == "" {
		provider = d.DNS
	}
	out := &DomainDNS{Address: real.Address + "/alias_domain." + a.Name, Domain: a.Name, Display: a.Unicode, Provider: provider, Threshold: d.DNSThreshold, Records: recs}
	for _, rec := range real.Records {
		switch rec.Purpose {
		case PurposeMX, PurposeSPF:
			rec.Name = a.Name
		case PurposeDMARC:
			rec.Name = "_dmarc." + a.Name
		default:
			continue
		}
		rec.Provider = provider
		out.Records = append(out.Records, rec)
	}
	if cfg.Platform.VerificationIP != "" {
		out.Records = append(out.Records, Record{Name: token(a.Name) + "." + a.Name, Type: "A", TTL: time.Duration(d.Effective.DNSTTL) * time.Second,
			Data: cfg.Platform.VerificationIP, Purpose: PurposeOwnership, Provider: provider})
	}
	return out
}

// mxData is the apex MX of a domain, by its MX mode.
func mxData(cfg *schema.Config, d *schema.Domain) []string {
	switch d.Effective.MX {
	case schema.MXOwn:
		return []string{"10 mail." + d.Name + "."}
	case schema.MXReseller:
		return []string{"10 mail." + cfg.Reseller.BrandDomain + "."}
	}
	var out []string
	for _, mx := range cfg.Platform.MX {
		out = append(out, fmt.Sprintf("%d %s.", mx.Priority, mx.Host))
	}
	return out
}

func spfRecord(cfg *schema.Config, d *schema.Domain) string {
	s := d.SPF
	if s != nil && !derefOr(s.Enabled, true) {
		return ""
	}
	parts := []string{"v=spf1", "mx"}
	if r := cfg.Reseller; r != nil {
		if r.IPv4 != "" {
			parts = append(parts, "ip4:"+r.IPv4)
		}
		if r.IPv6 != "" {
			parts = append(parts, "ip6:"+r.IPv6)
		}
	}
	all := "~all"
	if s != nil {
		for _, ip := range s.IP4 {
			parts = append(parts, "ip4:"+ip)
		}
		for _, ip := range s.IP6 {
			parts = append(parts, "ip6:"+ip)
		}
	}
	for _, inc := range cfg.Platform.SPFInclude {
		parts = append(parts, "include:"+strings.ToLower(inc))
	}
	if s != nil {
		for _, inc := range s.Include {
			parts = append(parts, "include:"+strings.ToLower(inc))
		}
		all = string(derefOr(s.All, schema.SPFAll("~all")))
	}
	return strings.Join(append(parts, all), " ")
}

func dmarcRecord(d *schema.Domain) string {
	m := d.DMARC
	if m != nil && !derefOr(m.Enabled, true) {
		return ""
	}
	if m == nil {
		return "v=DMARC1; p=none"
	}
	parts := []string{"v=DMARC1", "p=" + string(derefOr(m.Policy, "none"))}
	if m.SubdomainPolicy != nil {
		parts = append(parts, "sp="+string(*m.SubdomainPolicy))
	}
	if m.Percent != nil && *m.Percent != 100 {
		parts = append(parts, fmt.Sprintf("pct=%d", *m.Percent))
	}
	if len(m.RUA) > 0 {
		parts = append(parts, "rua="+strings.Join(m.RUA, ","))
	}
	if len(m.RUF) > 0 {
		parts = append(parts, "ruf="+strings.Join(m.RUF, ","))
	}
	if m.ADKIM != nil && *m.ADKIM == "strict" {
		parts = append(parts, "adkim=s")
	}
	if m.ASPF != nil && *m.ASPF == "strict" {
		parts = append(parts, "aspf=s")
	}
	return strings.Join(parts, "; ")
}

// dkimSelectors are the selectors a domain publishes: the active one first.
func dkimSelectors(d *schema.Domain) []string {
	if d.DKIM != nil && !derefOr(d.DKIM.Enabled, true) {
		return nil
	}
	out := []string{activeSelector(d)}
	if d.DKIM != nil {
		out = append(out, d.DKIM.PreviousSelectors...)
	}
	return out
}

func activeSelector(d *schema.Domain) string {
	if d.DKIM != nil && d.DKIM.Selector != "" {
		return d.DKIM.Selector
	}
	return schema.DefaultDKIMSelector
}

func dkimAlgorithm(d *schema.Domain) string {
	if d.DKIM != nil && d.DKIM.KeyType != nil {
		return string(*d.DKIM.KeyType)
	}
	return "rsa"
}

func dkimBits(d *schema.Domain) int {
	if dkimAlgorithm(d) != "rsa" {
		return 0
	}
	if d.DKIM != nil && d.DKIM.KeyBits != nil {
		return *d.DKIM.KeyBits
	}
	return schema.DefaultDKIMBits
}

// keyFits reports whether a key is of the type and size the domain asks for.
func keyFits(k *mail.DKIMKey, d *schema.Domain) bool {
	return k.Algorithm == dkimAlgorithm(d) && k.Bits == dkimBits(d)
}

func dkimText(algorithm, publicKey string) string {
	return "v=DKIM1; k=" + algorithm + "; p=" + publicKey
}

// srvRecords are the RFC 6186 (and RFC 8314) records that let mail clients
// find the servers: one per service, with the TLS variant the platform
// offers; a service the domain does not offer gets the "not available"
// target ".".
func srvRecords(cfg *schema.Config, d *schema.Domain) [][2]string {
	p := cfg.Platform.Effective
	h := HostsOf(cfg, d)
	svc := d.Effective.Services
	one := func(plain, secure string, e schema.EndpointEffective, host string, on bool) [2]string {
		name := plain
		if e.Security == schema.SecurityTLS {
			name = secure
		}
		if !on {
			return [2]string{name, "0 0 0 ."}
		}
		return [2]string{name, fmt.Sprintf("0 1 %d %s.", e.Port, host)}
	}
	return [][2]string{
		one("_imap._tcp", "_imaps._tcp", p.IMAP, h.IMAP, svc.Has(schema.IMAP)),
		one("_pop3._tcp", "_pop3s._tcp", p.POP3, h.POP3, svc.Has(schema.POP3)),
		one("_submission._tcp", "_submissions._tcp", p.Submission, h.SMTP, svc.Has(schema.SMTP)),
	}
}

// srvNames are every SRV name mailform may publish, so that one it no
// longer wants (the service moved to TLS, say) is recognised as its own.
var srvNames = []string{"_imap._tcp", "_imaps._tcp", "_pop3._tcp", "_pop3s._tcp", "_submission._tcp", "_submissions._tcp"}

func derefOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
