package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/reconcile/dnsquery"
)

// txtConfig publishes explicit TXT records whose text a zone-file writer
// must escape, to a zone on a DNS server or in a zone file.
const txtConfig = `
platform {
  mail_host       = "mail.platform.test"
  webmail_url     = "https://webmail.platform.test"
  verification_ip = "192.0.2.16"
  ownership_proof = "none"
{{if .Auth}}  authoritative_servers = ["{{.Auth}}"]
{{end}}  mx "mx1.platform.test" {
    priority = 10
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
{{range $i, $t := .Texts}}    record {
      name  = "t{{$i}}"
      type  = "TXT"
      value = {{printf "%q" $t}}
    }
{{end}}  }
}
`

// hostileTexts are TXT texts, valid in a config, that a writer which does
// not quote and escape them turns into other records or directives.
var hostileTexts = []string{
	`say "hi" \ then; $INCLUDE /etc/passwd`,
	`"; $ORIGIN evil.test.`,
	"café, ü, 日本",
	`\065\066 is not AB`,
	strings.Repeat("0123456789", 40), // longer than one TXT string
	`( unbalanced`,
}

// Explicit TXT records with quotes, backslashes, semicolons, directives
// and text that is not ASCII are served by each real server exactly as
// the config writes them, from a zone file BIND loads as well as by
// RFC 2136 and the PowerDNS API; a second plan reads them back unchanged.
func TestTXTTextOnServers(t *testing.T) {
	type served struct {
		env  []string
		auth string                    // the server to pin, when it runs before the apply
		addr func(t *testing.T) string // where the zone is served once applied
	}
	cases := map[string]func(t *testing.T) (string, served){
		"zonefile in bind": func(t *testing.T) (string, served) {
			zones := filepath.Join(t.TempDir(), "zones")
			block := fmt.Sprintf("dns_provider \"ns\" {\n  type = \"zonefile\"\n  directory = %q\n  nameservers = [\"ns1.platform.test\"]\n}", zones)
			return block, served{addr: func(t *testing.T) string { return servers.StartBINDFiles(t, servers.TSIG{}, zones).Addr() }}
		},
	}
	for name, start := range dnsServers("a.test.") {
		if name == "powerdns-api" {
			continue // below, with the zone it creates
		}
		cases[name] = func(t *testing.T) (string, served) {
			c := start(t, servers.Zone{Name: "a.test."})
			return c.block, served{env: c.env, auth: c.addr, addr: func(*testing.T) string { return c.addr }}
		}
	}
	cases["powerdns-api"] = func(t *testing.T) (string, served) {
		c := dnsServers("a.test.")["powerdns-api"](t, servers.Zone{Name: "a.test."})
		return c.block, served{env: c.env, auth: c.addr, addr: func(*testing.T) string { return c.addr }}
	}
	for name, start := range cases {
		t.Run(name, func(t *testing.T) {
			block, s := start(t)
			dir := writeConfig(t, txtConfig, map[string]any{"Provider": block, "Texts": hostileTexts, "Auth": s.auth})
			mustApply(t, s.env, dir)
			planIsEmpty(t, s.env, dir, "after the apply")
			addr := s.addr(t)
			for i, want := range hostileTexts {
				name := fmt.Sprintf("t%d.a.test.", i)
				a := dnsquery.Query(context.Background(), dnsquery.Server{Name: addr, Addr: addr}, name, mdns.TypeTXT)
				if p := a.Problem(); p != "" {
					t.Errorf("%s: %s", name, p)
					continue
				}
				var got []string
				for _, rr := range a.RRs {
					if rr.Header().Rrtype == mdns.TypeTXT {
						got = append(got, dns.FromMiekg("a.test.", rr).Data)
					}
				}
				if len(got) != 1 || got[0] != want {
					t.Errorf("%s answers %q, want %q", name, got, want)
				}
			}
		})
	}
}
