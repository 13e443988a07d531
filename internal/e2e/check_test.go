package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/dns/rfc2136"
)

// checkConfig has two customer-branded domains served by one Dovecot,
// Postfix and webmail whose certificate is for c.test's names only, and
// p.test, whose cert.p.test is delegated to a server of its own.
const checkConfig = `
platform {
  mail_host             = "mail.platform.test"
  webmail_url           = "https://webmail.platform.test:{{.Webmail}}"
  verification_ip       = "192.0.2.16"
  authoritative_servers = ["{{.Parent}}"]
  imap {
    port     = {{.IMAPS}}
    security = "tls"
  }
  pop3 {
    port     = {{.POP3S}}
    security = "tls"
  }
  submission {
    port     = {{.Submission}}
    security = "starttls"
  }
  mx "mx1.platform.test" {
    priority = 10
  }
}

reseller {
  ipv4 = "127.0.0.1"
}

backend "main" {
  type = "sqlite"
  path = "mail.db"
}

dns_provider "ns" {
  type        = "rfc2136"
  server      = "{{.Parent}}"
  tsig_key    = "{{.ParentKey}}"
  tsig_secret = env("MAILFORM_PARENT_SECRET")
}

dns_provider "child" {
  type        = "rfc2136"
  server      = "{{.Child}}"
  tsig_key    = "{{.ChildKey}}"
  tsig_secret = env("MAILFORM_CHILD_SECRET")
}

tenant "acme" {
  domain "c.test" {
    dns      = "ns"
    branding = "customer"
  }
  domain "d.test" {
    dns      = "ns"
    branding = "customer"
  }
  domain "p.test" {
    dns = "ns"
    pec {
      dns = "child"
    }
  }
}
`

// TestCheckCertificatesAndDelegation: check connects to mail.<domain> on
// the real Dovecot (IMAPS, POP3S) and Postfix (submission, STARTTLS) and
// to webmail.<domain>, and tells a certificate valid for the name from one
// issued for another; it follows the referral of a delegated cert.<domain>
// to that zone's own server.
func TestCheckCertificatesAndDelegation(t *testing.T) {
	ca := servers.NewCA(t)
	now := time.Now()
	mailCert := ca.Issue(t, now.Add(-time.Hour), now.Add(90*24*time.Hour), "mail.c.test")
	webCert := ca.Issue(t, now.Add(-time.Hour), now.Add(90*24*time.Hour), "webmail.c.test")
	m := servers.StartMailTLS(t, servers.Database{SQLitePath: servers.SQLiteDir(t)}, mailCert)
	webmail := servers.ServeTLS(t, webCert)

	child := servers.StartBIND(t, servers.TSIG{}, servers.Zone{Name: "cert.p.test."})
	// p.test delegates cert.p.test to ns1.cert.p.test, whose glue is
	// loopback; MAILFORM_DNS_PORT gives the port the child listens on.
	parent := servers.StartBIND(t, servers.TSIG{}, servers.Zone{Name: "c.test."}, servers.Zone{Name: "d.test."},
		servers.Zone{Name: "p.test.", Records: "cert 300 NS ns1.cert\nns1.cert 300 A 127.0.0.1\n"})
	env := []string{"MAILFORM_PARENT_SECRET=" + parent.Key.Secret, "MAILFORM_CHILD_SECRET=" + child.Key.Secret,
		"SSL_CERT_FILE=" + ca.File, fmt.Sprintf("MAILFORM_DNS_PORT=%d", child.Port)}
	dir := writeConfig(t, checkConfig, map[string]any{
		"Webmail": webmail, "IMAPS": m.IMAPS, "POP3S": m.POP3S, "Submission": m.Submission,
		"Parent": parent.Addr(), "ParentKey": strings.TrimSuffix(parent.Key.Name, "."),
		"Child": child.Addr(), "ChildKey": strings.TrimSuffix(child.Key.Name, "."),
	})
	mustApply(t, env, dir)

	r := mailform(t, env, "check", dir)
	if r.code != 1 {
		t.Fatalf("check: exit %d, want 1 (d.test's certificates)\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := r.stdout
	for _, want := range []string{
		"c.test (servers " + parent.Addr() + "): OK, every server serves all",
		"certificates are valid on all 4 endpoints",
		"d.test (servers " + parent.Addr() + "): 4 problems",
		fmt.Sprintf("INVALID  mail.d.test:%d (imap at 127.0.0.1): the certificate is for mail.c.test, not mail.d.test", m.IMAPS),
		fmt.Sprintf("INVALID  mail.d.test:%d (pop3 at 127.0.0.1): the certificate is for mail.c.test, not mail.d.test", m.POP3S),
		fmt.Sprintf("INVALID  mail.d.test:%d (smtp at 127.0.0.1): the certificate is for mail.c.test, not mail.d.test", m.Submission),
		fmt.Sprintf("INVALID  webmail.d.test:%d (webmail at 127.0.0.1): the certificate is for webmail.c.test, not webmail.d.test", webmail),
		fmt.Sprintf("p.test (servers %s, ns1.cert.p.test (%s) for cert.p.test): OK", parent.Addr(), child.Addr()),
		"1 domain of 3 with problems.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}

	// JSON: d.test's four endpoints, each with the certificate's last day.
	r = mailform(t, env, "check", "--json", "--domain", "d.test", dir)
	var report struct {
		OK      bool `json:"ok"`
		Domains []struct {
			Domain string `json:"domain"`
			TLS    []struct {
				Host, Service, State, Expires string
				Port                          int
			} `json:"tls"`
		} `json:"domains"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("check --json: %v\n%s", err, r.stdout)
	}
	if report.OK || len(report.Domains) != 1 || len(report.Domains[0].TLS) != 4 {
		t.Fatalf("check --json --domain d.test: %s", r.stdout)
	}
	for _, x := range report.Domains[0].TLS {
		if x.State != "invalid" || x.Expires != now.Add(90*24*time.Hour).UTC().Format(time.DateOnly) {
			t.Errorf("d.test TLS %+v: want invalid, expiring in 90 days", x)
		}
	}

	// The PEC MX gone from the child zone: named at the child's server.
	prov, err := rfc2136.New(child.Addr(), rfc2136.Key{Name: child.Key.Name, Algorithm: child.Key.Algorithm, Secret: child.Key.Secret})
	if err != nil {
		t.Fatal(err)
	}
	if err := prov.UpdateZone(context.Background(), "cert.p.test.", []dns.RRSet{{Name: "@", Type: "MX", Records: []libdns.RR{}}}); err != nil {
		t.Fatal(err)
	}
	r = mailform(t, env, "check", "--domain", "p.test", "--domain", "c.test", dir)
	want := fmt.Sprintf("MISSING  ns1.cert.p.test (%s) cert.p.test MX (pec)", child.Addr())
	if r.code != 1 || !strings.Contains(r.stdout, want) {
		t.Errorf("check after the PEC MX was removed: exit %d, want 1 and %q\n%s", r.code, want, r.stdout)
	}
	if strings.Contains(r.stdout, "INVALID") {
		t.Errorf("c.test's certificates reported invalid:\n%s", r.stdout)
	}
}
