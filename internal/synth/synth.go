// Package synth writes a synthetic reseller — config and zone files — for
// mailform-bench and the Go benchmarks: tenants of 1 to 500 domains, every
// branding mode, alias domains, catch-alls, forwards and pre-hashed
// passwords. The same spec writes the same files. It is a generator for
// benchmarks and tests, never imported by product code.
package synth

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mailform/mailform/schema"
)

// Spec is what to generate.
type Spec struct {
	Domains, Mailboxes, Aliases int // aliases and mailboxes per domain
	Format                      string
	Seed                        uint64
	// Changed mailboxes: every Change-th mailbox (0: none) gets another
	// display name, so that a plan has exactly those changes.
	ChangeEvery int
	// ChangeOne changes only the first mailbox of the middle tenant.
	ChangeOne bool
	// NoZones leaves the zone files as they are: the config is rewritten
	// over an applied setup.
	NoZones bool
	// DNS, when set, replaces the zone-file provider (still named "zones");
	// the zone files are written all the same, as the zones' content
	// before mailform, for a name server to load.
	DNS *Provider
	// Backend, when set, is the mail backend (named "mail") instead of the
	// embedded SQLite.
	Backend *Provider
	// AuthServers, when set, are the platform's authoritative_servers:
	// the servers apply asks for ownership records.
	AuthServers []string
}

// Provider is a DNS provider's or backend's type and settings. A setting
// is a string, a []string, an int, or an Expr.
type Provider struct {
	Type     string
	Settings map[string]any
}

// Expr is a setting written as an expression, such as env("NAME").
type Expr = schema.Expr

// Counts is what a generated config holds.
type Counts struct {
	Tenants, Domains, AliasDomains, Mailboxes, Aliases, Changed int
	ChangedAddress                                              string
}

// Pre-hashed passwords: a generated config holds no password.
var hashes = []string{
	"{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/",
	"{SHA512-CRYPT}$6$d804449dca0719dc$o9siJyK6uYi.xMz30GE5BxgTsu5VnkNgb4Wp0CxYBLi6dsQ1OW3fVcs2bfaILTwPbWDJXQINa7ILGeufr58Rs/",
	"{BLF-CRYPT}$2a$10$P8QhDQbzPaOB5TEAtjvf4ebsJda2l/uc6d8w7i7J6j3G8DnyanFVu",
}

var (
	firstNames = []string{"mario", "anna", "luca", "giulia", "marco", "sara", "paolo", "elena", "andrea", "chiara", "giorgio", "francesca", "stefano", "laura", "davide", "martina"}
	lastNames  = []string{"rossi", "bianchi", "verdi", "russo", "ferrari", "esposito", "romano", "colombo", "ricci", "marino", "greco", "bruno", "gallo", "conti", "costa", "fontana"}
	words      = []string{"studio", "edil", "caffe", "farmacia", "hotel", "officina", "agenzia", "ottica", "pasticceria", "legale", "dental", "vini", "moda", "tech", "casa", "sport"}
	roles      = []string{"info", "amministrazione", "ordini", "vendite", "supporto", "fatture", "segreteria", "direzione", "marketing", "personale"}
	quotas     = []string{"1GB", "2GB", "4GB", "8GB", "16GB"}
)

const brandDomain = "brand-reseller.example"

// Generate writes a synthetic reseller into dir: a platform file, one file
// per tenant, and a zone file per domain and alias domain holding the
// records a customer's zone has besides mail (website, verifications,
// CAA).
func Generate(dir string, s Spec) (Counts, error) {
	var c Counts
	if s.Format != "hcl" && s.Format != "yaml" {
		return c, fmt.Errorf("--format %q: want hcl or yaml", s.Format)
	}
	if s.Domains < 1 {
		return c, fmt.Errorf("--domains %d: want at least 1", s.Domains)
	}
	zones := filepath.Join(dir, "zones")
	if err := os.MkdirAll(zones, 0o755); err != nil {
		return c, err
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x6d61696c666f726d))
	if err := writeFile(dir, "platform."+s.Format, s.Format, platformBlocks(s)); err != nil {
		return c, err
	}
	// Tenant sizes: most customers have a domain or two, a few resellers'
	// accounts have hundreds. The first tenant is the reseller's own, with
	// the brand domain.
	var sizes []int
	for left := s.Domains - 1; left > 0; {
		var n int
		switch r := rng.Float64(); {
		case r < 0.60:
			n = 1 + rng.IntN(3)
		case r < 0.90:
			n = 4 + rng.IntN(27)
		case r < 0.98:
			n = 31 + rng.IntN(120)
		default:
			n = 151 + rng.IntN(350)
		}
		n = min(n, left)
		sizes = append(sizes, n)
		left -= n
	}
	changeTenant := len(sizes) / 2
	g := &generator{rng: rng, spec: s, zones: zones, counts: &c}
	if err := g.tenant(dir, "reseller", 0, []int{1}, false); err != nil {
		return c, err
	}
	for i, n := range sizes {
		if err := g.tenant(dir, fmt.Sprintf("t%05d", i+1), i+1, []int{n}, s.ChangeOne && i == changeTenant); err != nil {
			return c, err
		}
	}
	return c, nil
}

func platformBlocks(s Spec) []*schema.Block {
	p := &schema.Block{Type: "platform"}
	p.Set("name", "Bench Mail").Set("mail_host", "mail.platform.example").
		Set("webmail_url", "https://webmail.platform.example").Set("verification_ip", "192.0.2.16").
		Set("quotas", quotas).Set("default_quota", "2GB").Set("send_limits", []int{250, 1000, 5000}).
		Set("default_send_limit", 250)
	if len(s.AuthServers) > 0 {
		p.Set("authoritative_servers", s.AuthServers)
	}
	p.Add("mx", "mx01.platform.example").Set("priority", 10)
	p.Add("mx", "mx02.platform.example").Set("priority", 20)
	r := &schema.Block{Type: "reseller"}
	r.Set("name", "Bench Reseller").Set("ipv4", "203.0.113.10").Set("brand_domain", brandDomain)
	dp := &schema.Block{Type: "dns_provider", Label: "zones"}
	if s.DNS != nil {
		setProvider(dp, s.DNS)
	} else {
		dp.Set("type", "zonefile").Set("directory", "zones").Set("nameservers", []string{"ns1.platform.example", "ns2.platform.example"})
	}
	blocks := []*schema.Block{p, r, dp}
	if s.Backend != nil {
		be := &schema.Block{Type: "backend", Label: "mail"}
		setProvider(be, s.Backend)
		blocks = append(blocks, be)
	}
	return blocks
}

// setProvider sets a provider's type and settings, in name order.
func setProvider(b *schema.Block, p *Provider) {
	b.Set("type", p.Type)
	names := make([]string, 0, len(p.Settings))
	for name := range p.Settings {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.Set(name, p.Settings[name])
	}
}

type generator struct {
	rng    *rand.Rand
	spec   Spec
	zones  string
	counts *Counts
	next   int // domain number
}

func (g *generator) tenant(dir, name string, index int, sizes []int, changeHere bool) error {
	t := &schema.Block{Type: "tenant", Label: name}
	t.Set("display_name", fmt.Sprintf("Customer %d", index))
	g.counts.Tenants++
	for _, n := range sizes {
		for i := 0; i < n; i++ {
			if err := g.domain(t, index == 0, changeHere && i == 0); err != nil {
				return err
			}
		}
	}
	return writeFile(dir, name+"."+g.spec.Format, g.spec.Format, []*schema.Block{t})
}

func (g *generator) domain(t *schema.Block, brand, changeOne bool) error {
	rng := g.rng
	g.next++
	name := fmt.Sprintf("%s-%d.example", words[rng.IntN(len(words))], g.next)
	if brand {
		name = brandDomain
	}
	d := t.Add("domain", name)
	d.Set("dns", "zones")
	switch r := rng.Float64(); {
	case brand || r < 0.10:
		d.Set("branding", "customer")
	case r < 0.30:
		d.Set("branding", "reseller")
	}
	if rng.Float64() < 0.05 {
		d.Set("catch_all", "info@"+name)
	}
	g.counts.Domains++
	// Ed25519 keys: an RSA key costs about 70 ms to make, which would
	// measure key generation rather than mailform.
	d.Add("dkim", "").Set("key_type", "ed25519")
	if rng.Float64() < 0.3 {
		d.Add("dmarc", "").Set("policy", []string{"none", "quarantine", "reject"}[rng.IntN(3)])
	}
	if rng.Float64() < 0.02 {
		d.Add("pec", "")
	}
	if err := g.zone(name); err != nil {
		return err
	}
	if rng.Float64() < 0.10 {
		alias := fmt.Sprintf("%s-%d-alias.example", words[rng.IntN(len(words))], g.next)
		zoneName := alias
		if rng.Float64() < 0.3 {
			alias = fmt.Sprintf("caffè-%d.example", g.next) // IDN
			ascii, err := schema.CanonicalDomain(alias)
			if err != nil {
				return err
			}
			zoneName = ascii
		}
		d.Add("alias_domain", alias)
		g.counts.AliasDomains++
		if err := g.zone(zoneName); err != nil {
			return err
		}
	}
	used := map[string]bool{}
	var boxes []string
	for i := 0; i < g.spec.Mailboxes; i++ {
		local, display := roles[0], "Info"
		if i > 0 {
			first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
			local, display = first+"."+last, title(first)+" "+title(last)
		}
		for n := 2; used[local]; n++ {
			local = fmt.Sprintf("%s%d", strings.TrimRight(local, "0123456789"), n)
		}
		used[local] = true
		boxes = append(boxes, local)
		m := d.Add("mailbox", local)
		g.counts.Mailboxes++
		changed := (g.spec.ChangeEvery > 0 && g.counts.Mailboxes%g.spec.ChangeEvery == 0) || (changeOne && i == 0)
		if changed {
			display += " (changed)"
			g.counts.Changed++
			g.counts.ChangedAddress = local + "@" + name
		}
		m.Set("display_name", display)
		m.Set("password_hash", hashes[rng.IntN(len(hashes))])
		if rng.Float64() < 0.3 {
			m.Set("quota", quotas[rng.IntN(len(quotas))])
		}
		if rng.Float64() < 0.05 {
			m.Add("forward", "").Set("to", []string{local + "@mail.example.org"}).Set("keep_copy", rng.Float64() < 0.5)
		}
		if rng.Float64() < 0.01 {
			m.Add("autoresponder", "").Set("subject", "Fuori ufficio").Set("body", "Rientro lunedì.")
		}
	}
	for i := 0; i < g.spec.Aliases; i++ {
		local := roles[1+i%(len(roles)-1)]
		if i >= len(roles)-1 {
			local = fmt.Sprintf("%s%d", local, i/(len(roles)-1))
		}
		if used[local] {
			continue
		}
		used[local] = true
		to := []string{"info@" + name}
		if len(boxes) > 1 {
			to = append(to, boxes[1+rng.IntN(len(boxes)-1)]+"@"+name)
		}
		d.Add("alias", local).Set("to", to)
		g.counts.Aliases++
	}
	return nil
}

// zone writes a customer's zone as it is before mailform: SOA, NS, the
// website, a site verification, sometimes CAA and an ACME challenge.
func (g *generator) zone(name string) error {
	rng := g.rng
	ip := fmt.Sprintf("198.51.100.%d", 1+rng.IntN(254))
	verification, caa, acme, challenge := rng.Uint64(), rng.Float64() < 0.3, rng.Float64() < 0.2, rng.Uint64()
	if g.spec.NoZones {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s.\n$TTL 3600\n@ IN SOA ns1.platform.example. hostmaster.platform.example. 1 7200 900 1209600 300\n", name)
	b.WriteString("@ IN NS ns1.platform.example.\n@ IN NS ns2.platform.example.\n")
	fmt.Fprintf(&b, "@ IN A %s\nwww IN A %s\n", ip, ip)
	fmt.Fprintf(&b, "@ IN TXT \"google-site-verification=%016x\"\n", verification)
	if caa {
		b.WriteString("@ IN CAA 0 issue \"letsencrypt.org\"\n")
	}
	if acme {
		fmt.Fprintf(&b, "_acme-challenge 60 IN TXT \"%016x\"\n", challenge)
	}
	return os.WriteFile(filepath.Join(g.zones, name+".zone"), []byte(b.String()), 0o644)
}

func writeFile(dir, name, format string, blocks []*schema.Block) error {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	w.WriteString("# Generated by mailform-bench gen: a synthetic reseller.\n\n")
	write := schema.WriteHCL
	if format == "yaml" {
		write = schema.WriteYAML
	}
	write(w, blocks)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
