package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/dns/powerdns"
	"github.com/mailform/mailform/providers/dns/rfc2136"
)

// The config of the DNS tests: one domain whose zone is on a real server,
// and an alias domain in a zone of its own there.
const dnsConfig = `
platform {
  mail_host       = "mail.platform.test"
  webmail_url     = "https://webmail.platform.test"
  verification_ip = "192.0.2.16"
  authoritative_servers = ["{{.Auth}}"]
  mx "mx1.platform.test" {
    priority = 10
  }
  mx "mx2.platform.test" {
    priority = 20
  }
}

backend "main" {
  type = "sqlite"
  path = "mail.db"
}

{{.Provider}}

tenant "acme" {
  domain "a.test" {
    dns = "ns"
    dmarc {
      policy = "{{.Policy}}"
    }
    dkim {
      key_type = "ed25519"
    }
    alias_domain "alias.test" {}
    pec {}
    mailbox "info" {
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
    }
  }
  # cert.b.test is a zone of its own on the server: the PEC MX goes to its
  # apex. cert.a.test is not: it goes into a.test.
  domain "b.test" {
    dns = "ns"
    pec {}
  }
}
`

// foreign are records of a.test that mailform must never touch.
const foreign = `@ 300 A 192.0.2.80
@ 300 AAAA 2001:db8::80
www 300 A 192.0.2.80
@ 300 TXT "google-site-verification=abc123"
_acme-challenge 60 TXT "acme-token-1"
@ 300 CAA 0 issue "letsencrypt.org"
`

type dnsData struct {
	Provider, Policy, Auth string
}

// rfc2136Block is the provider block for a server taking RFC 2136 updates.
const rfc2136Block = `dns_provider "ns" {
  type           = "rfc2136"
  server         = "%s"
  tsig_key       = "%s"
  tsig_algorithm = "hmac-sha256"
  tsig_secret    = env("MAILFORM_TSIG_SECRET")
}`

// powerdnsBlock is the provider block for the PowerDNS API, which creates
// the zones it lacks.
const powerdnsBlock = `dns_provider "ns" {
  type         = "powerdns"
  url          = "%s"
  api_key      = env("MAILFORM_PDNS_API_KEY")
  create_zones = true
  nameservers  = ["ns1.platform.test"]
}`

// dnsCase is one server a test writes mail DNS to.
type dnsCase struct {
	block  string       // the config's dns_provider block
	env    []string     // its secrets
	reader dns.Provider // reads the zones back
	secret string       // must never be printed
	addr   string       // where the server answers queries
}

// dnsServers starts each kind of DNS server with the zones, and says how
// mailform reaches it. The PowerDNS API case is started without the zones
// in noSeed: mailform creates them.
func dnsServers(noSeed ...string) map[string]func(t *testing.T, zones ...servers.Zone) dnsCase {
	viaRFC2136 := func(t *testing.T, s *servers.DNSServer) dnsCase {
		p, err := rfc2136.New(s.Addr(), rfc2136.Key{Name: s.Key.Name, Algorithm: s.Key.Algorithm, Secret: s.Key.Secret})
		if err != nil {
			t.Fatal(err)
		}
		return dnsCase{block: fmt.Sprintf(rfc2136Block, s.Addr(), strings.TrimSuffix(s.Key.Name, ".")), env: []string{"MAILFORM_TSIG_SECRET=" + s.Key.Secret}, reader: p, secret: s.Key.Secret, addr: s.Addr()}
	}
	return map[string]func(t *testing.T, zones ...servers.Zone) dnsCase{
		"bind": func(t *testing.T, zones ...servers.Zone) dnsCase {
			return viaRFC2136(t, servers.StartBIND(t, servers.TSIG{}, zones...))
		},
		"knot": func(t *testing.T, zones ...servers.Zone) dnsCase {
			return viaRFC2136(t, servers.StartKnot(t, servers.TSIG{}, zones...))
		},
		"powerdns-rfc2136": func(t *testing.T, zones ...servers.Zone) dnsCase {
			return viaRFC2136(t, &servers.StartPowerDNS(t, servers.TSIG{}, zones...).DNSServer)
		},
		"powerdns-api": func(t *testing.T, zones ...servers.Zone) dnsCase {
			var seeded []servers.Zone
			for _, z := range zones {
				if !slices.Contains(noSeed, z.Name) {
					seeded = append(seeded, z)
				}
			}
			s := servers.StartPowerDNS(t, servers.TSIG{}, seeded...)
			p, err := powerdns.New(powerdns.Options{URL: s.APIURL, APIKey: s.APIKey})
			if err != nil {
				t.Fatal(err)
			}
			return dnsCase{block: fmt.Sprintf(powerdnsBlock, s.APIURL), env: []string{"MAILFORM_PDNS_API_KEY=" + s.APIKey}, reader: p, secret: s.APIKey, addr: s.Addr()}
		},
	}
}

// TestMailDNSOnServers applies a config's mail DNS to BIND, Knot and
// PowerDNS by RFC 2136, and to PowerDNS by its API (which creates the alias
// domain's zone): the mail records arrive, every foreign record stays, and
// a second plan is empty.
func TestMailDNSOnServers(t *testing.T) {
	for name, start := range dnsServers("alias.test.") {
		t.Run(name, func(t *testing.T) {
			c := start(t, servers.Zone{Name: "a.test.", Records: foreign}, servers.Zone{Name: "alias.test."},
				servers.Zone{Name: "b.test.", Records: "cert NS ns1\n"}, servers.Zone{Name: "cert.b.test."})
			env := c.env
			data := &dnsData{Provider: c.block, Policy: "none", Auth: c.addr}
			dir := writeConfig(t, dnsConfig, data)
			r := mustApply(t, env, dir)
			if strings.Contains(r.stdout+r.stderr, c.secret) {
				t.Error("the apply output shows the secret")
			}
			p := c.reader
			if created := strings.Contains(r.stdout, "dns_zone.alias.test"); created != (name == "powerdns-api") {
				t.Errorf("zone alias.test created: %v; want it only through the PowerDNS API:\n%s", created, r.stdout)
			}
			zone := zoneLines(t, p, "a.test.")
			want := []string{
				// foreign, untouched
				"a.test.\t300\tIN\tA\t192.0.2.80",
				"a.test.\t300\tIN\tAAAA\t2001:db8::80",
				"www.a.test.\t300\tIN\tA\t192.0.2.80",
				`a.test.	300	IN	TXT	"google-site-verification=abc123"`,
				`_acme-challenge.a.test.	60	IN	TXT	"acme-token-1"`,
				`a.test.	300	IN	CAA	0 issue "letsencrypt.org"`,
				// mail
				"a.test.\t3600\tIN\tMX\t10 mx1.platform.test.",
				"a.test.\t3600\tIN\tMX\t20 mx2.platform.test.",
				"cert.a.test.\t3600\tIN\tMX\t10 mx.cert.legalmail.it.",
				`_dmarc.a.test.	3600	IN	TXT	"v=DMARC1; p=none"`,
			}
			for _, w := range want {
				if !contains(zone, w) {
					t.Errorf("a.test lacks %s", w)
				}
			}
			// The SPF value joins the site verification's rrset, and takes
			// its TTL rather than change it.
			for _, prefix := range []string{"a.test.\t300\tIN\tTXT\t\"v=spf1 ", "mail._domainkey.a.test.\t3600\tIN\tTXT\t\"v=DKIM1; k=ed25519; p=", "d"} {
				if !hasPrefix(zone, prefix) {
					t.Errorf("a.test has no record starting %q:\n%s", prefix, strings.Join(zone, "\n"))
				}
			}
			if alias := zoneLines(t, p, "alias.test."); !hasPrefix(alias, "alias.test.\t3600\tIN\tMX\t10 mx1.platform.test.") {
				t.Errorf("alias.test has no MX:\n%s", strings.Join(alias, "\n"))
			}
			if b := zoneLines(t, p, "b.test."); hasPrefix(b, "cert.b.test.\t3600\tIN\tMX") {
				t.Errorf("the PEC MX of b.test went into the parent zone:\n%s", strings.Join(b, "\n"))
			}
			if cert := zoneLines(t, p, "cert.b.test."); !contains(cert, "cert.b.test.\t3600\tIN\tMX\t10 mx.cert.legalmail.it.") {
				t.Errorf("the PEC MX of b.test is not at the apex of cert.b.test:\n%s", strings.Join(cert, "\n"))
			}
			planIsEmpty(t, env, dir, "after the first apply")

			// A change touches only its record.
			data.Policy = "quarantine"
			os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(render(t, dnsConfig, data)), 0o644)
			r = mustApply(t, env, dir)
			if !strings.Contains(r.stdout, "_dmarc.a.test") || !strings.Contains(r.stdout, "0 added, 2 changed, 0 destroyed") {
				t.Errorf("changing the DMARC policy:\n%s", r.stdout)
			}
			after := zoneLines(t, p, "a.test.")
			var gone, added []string
			for _, l := range zone {
				if !contains(after, l) {
					gone = append(gone, l)
				}
			}
			for _, l := range after {
				if !contains(zone, l) {
					added = append(added, l)
				}
			}
			if len(gone) != 1 || !strings.Contains(gone[0], "p=none") || len(added) != 1 || !strings.Contains(added[0], "p=quarantine") {
				t.Errorf("the DMARC change changed more than its record: gone %q, added %q", gone, added)
			}
			planIsEmpty(t, env, dir, "after the DMARC change")
		})
	}
}

// zoneLines reads a zone as sorted zone-file lines.
func zoneLines(t *testing.T, p dns.Provider, zone string) []string {
	t.Helper()
	recs, err := p.GetRecords(context.Background(), zone)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, dns.Line(zone, r.RR()))
	}
	sort.Strings(out)
	return out
}

func hasPrefix(list []string, prefix string) bool {
	for _, x := range list {
		if strings.HasPrefix(x, prefix) {
			return true
		}
	}
	return false
}
