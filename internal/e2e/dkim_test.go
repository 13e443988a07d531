package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/reconcile/dnsquery"
)

// dkimConfig is a.test on a BIND server mailform writes to, with the DKIM
// selector and previous selectors of a rotation.
const dkimConfig = `
platform {
  mail_host       = "mail.platform.test"
  webmail_url     = "https://webmail.platform.test"
  verification_ip = "192.0.2.16"
  authoritative_servers = ["{{.Auth}}"]
  mx "mx1.platform.test" {
    priority = 10
  }
}

backend "main" {
  type = "sqlite"
  path = "mail.db"
}

dns_provider "ns" {
  type        = "rfc2136"
  server      = "{{.Server}}"
  tsig_key    = "{{.Key}}"
  tsig_secret = env("MAILFORM_TSIG_SECRET")
}

tenant "acme" {
  domain "a.test" {
    dns = "ns"
    dmarc {
      policy = "reject"
    }
    dkim {
      selector           = "{{.Selector}}"
      previous_selectors = [{{range .Previous}}"{{.}}", {{end}}]
    }
  }
}
`

type dkimData struct {
	Server, Auth, Key, Selector string // Server takes the updates; Auth answers queries
	Previous                    []string
}

// A DKIM rotation keeps the domain's mail verifiable throughout: a new key
// is stored without signing, published, and signs only once the server
// answers its record; until then the key that signed before signs on,
// its record still published. Neither a kill after the backend's commit
// nor a server that refuses the update breaks that, and a re-run
// completes the rotation. A selector dropped outright stops signing once
// the new key is published, and goes with its record in the apply after.
func TestDKIMRotation(t *testing.T) {
	bind := servers.StartBIND(t, servers.TSIG{}, servers.Zone{Name: "a.test."})
	good := []string{"MAILFORM_TSIG_SECRET=" + bind.Key.Secret}
	data := &dkimData{Server: bind.Addr(), Auth: bind.Addr(), Key: strings.TrimSuffix(bind.Key.Name, "."), Selector: "mail"}
	dir := writeConfig(t, dkimConfig, data)
	rotate := func(selector string, previous ...string) {
		data.Selector, data.Previous = selector, previous
		os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(render(t, dkimConfig, data)), 0o644)
	}
	// signing checks which key signs and which are stored, and that the
	// server answers the signing key's record with its public key.
	signing := func(when, want string, stored ...string) {
		t.Helper()
		st := readState(t, dir)
		var active, all []string
		for _, k := range st.DKIMKeys {
			all = append(all, k.Selector)
			if !k.Active {
				continue
			}
			active = append(active, k.Selector)
			name := k.Selector + "._domainkey.a.test."
			a := dnsquery.Query(context.Background(), dnsquery.Server{Name: bind.Addr(), Addr: bind.Addr()}, name, mdns.TypeTXT)
			published := false
			for _, rr := range a.RRs {
				if rr.Header().Rrtype == mdns.TypeTXT && dns.FromMiekg("a.test.", rr).Data == "v=DKIM1; k="+k.Algorithm+"; p="+k.PublicKey {
					published = true
				}
			}
			if !published {
				t.Errorf("%s: key %s signs, but the server does not answer its record (%s)", when, k.Selector, a.Problem())
			}
		}
		if strings.Join(active, ",") != want {
			t.Errorf("%s: signing %v, want %s", when, active, want)
		}
		if strings.Join(all, ",") != strings.Join(stored, ",") {
			t.Errorf("%s: keys %v, want %v", when, all, stored)
		}
	}

	mustApply(t, good, dir)
	signing("after the first apply", "mail", "mail")
	planIsEmpty(t, good, dir, "after the first apply")

	// Killed right after the backend's commit: s2 is stored, mail signs.
	rotate("s2", "mail")
	if r := mailform(t, append([]string{"MAILFORM_FAULT=apply-step-done"}, good...), "apply", "--auto-approve", dir); r.code != -1 {
		t.Fatalf("apply killed after the backend: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	signing("after a kill after the backend's commit", "mail", "mail", "s2")
	r := mustApply(t, good, dir)
	if !strings.Contains(r.stdout, "publication of DKIM key s2._domainkey.a.test: done") {
		t.Errorf("the apply did not wait for s2's record:\n%s", r.stdout)
	}
	signing("after the re-run", "s2", "mail", "s2")
	planIsEmpty(t, good, dir, "after the re-run")

	// A server that refuses the update: s3 is stored, s2 signs on.
	data.Server = servers.RefuseUpdates(t, bind.Addr())
	rotate("s3", "s2")
	if r := mailform(t, good, "apply", "--auto-approve", dir); r.code != 1 || !strings.Contains(r.stdout, "Apply failed") || !strings.Contains(r.stdout, "REFUSED") {
		t.Fatalf("apply to a server that refuses it: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	signing("after the server refused the update", "s2", "s2", "s3")
	data.Server = bind.Addr()
	rotate("s3", "s2")
	mustApply(t, good, dir)
	signing("once the server takes the update", "s3", "s2", "s3")
	planIsEmpty(t, good, dir, "after the rotation to s3")

	// s3 dropped outright: it signs until s4 is published, then goes.
	rotate("s4")
	r = mustApply(t, good, dir)
	if !strings.Contains(r.stdout, "stops signing in this apply") {
		t.Errorf("the plan does not say that s3 stops signing:\n%s", r.stdout)
	}
	signing("with s3 dropped", "s4", "s3", "s4")
	mustApply(t, good, dir)
	signing("an apply later", "s4", "s4")
	planIsEmpty(t, good, dir, "after the rotation to s4")
}
