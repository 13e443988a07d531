package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/dns/rfc2136"
	"github.com/mailform/mailform/providers/mail"
	_ "github.com/mailform/mailform/providers/mail/sql"
	"github.com/mailform/mailform/reconcile/check"
)

// proofConfig has a.test on a BIND primary and secondary that mailform
// writes to, and u.test, whose DNS its owner manages on the same servers.
const proofConfig = `
platform {
  mail_host       = "mail.platform.test"
  webmail_url     = "https://webmail.platform.test"
  verification_ip = "192.0.2.16"
  authoritative_servers = ["{{.Primary}}", "{{.Secondary}}"]
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
  server      = "{{.Primary}}"
  tsig_key    = "{{.Key}}"
  tsig_secret = env("MAILFORM_TSIG_SECRET")
}

tenant "acme" {
  domain "a.test" {
    dns = "ns"
    dmarc {
      policy = "{{.Policy}}"
    }
    mailbox "info" {
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
    }
  }
  domain "u.test" {
    mailbox "info" {
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
    }
  }
}
`

type proofData struct{ Primary, Secondary, Key, Policy string }

// TestOwnershipProof: apply publishes a new domain's ownership record and
// activates the domain, and creates its mailboxes, only once every
// authoritative server answers it. A lagging secondary keeps it pending
// and is named; a domain whose owner has not published the record stays
// pending with the record to publish, and a later apply activates both.
func TestOwnershipProof(t *testing.T) {
	primary := servers.StartBIND(t, servers.TSIG{}, servers.Zone{Name: "a.test."}, servers.Zone{Name: "u.test."})
	secondary := servers.StartBINDSecondary(t, primary, "a.test.", "u.test.")
	env := []string{"MAILFORM_TSIG_SECRET=" + primary.Key.Secret}
	data := proofData{primary.Addr(), secondary.Addr(), strings.TrimSuffix(primary.Key.Name, "."), "none"}
	dir := writeConfig(t, proofConfig, data)

	plan := mailform(t, env, "plan", dir)
	for _, want := range []string{"Ownership proof:", "a.test: d", "A 192.0.2.16", `published by dns_provider "ns"; apply waits for it`,
		"u.test: d", "its owner publishes it; apply looks once"} {
		if !strings.Contains(plan.stdout, want) {
			t.Errorf("the plan does not say %q:\n%s", want, plan.stdout)
		}
	}

	// The secondary does not transfer: apply waits, names it, and stops.
	r := mailform(t, env, "apply", "--auto-approve", "--proof-timeout", "3s", dir)
	if r.code != 1 {
		t.Fatalf("apply with a lagging secondary: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	lag := fmt.Sprintf("%s: NXDOMAIN", secondary.Addr())
	for _, want := range []string{"waiting for d", lag, "a.test: d", "is not answered by every authoritative server after 3s", "+ tenant.acme/domain.a.test/mailbox.info"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply does not say %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, primary.Addr()+": ") {
		t.Errorf("the primary is named as lagging:\n%s", r.stdout)
	}
	st := readState(t, dir)
	if d := st.domain("a.test"); d == nil || d.Active || d.Verified {
		t.Errorf("a.test after a failed proof: %+v; want it written pending", d)
	}
	if st.mailbox("info@a.test") {
		t.Error("info@a.test was created before a.test was proven")
	}

	// The secondary catches up; u.test's owner has not published yet.
	servers.Notify(t, secondary, primary, "a.test")
	r = mustApply(t, env, dir)
	for _, want := range []string{"Waiting for records their owners publish", "u.test: its owner must publish", "192.0.2.16", secondary.Addr() + ": NXDOMAIN"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply does not say %q:\n%s", want, r.stdout)
		}
	}
	st = readState(t, dir)
	if d := st.domain("a.test"); d == nil || !d.Active || !d.Verified || !st.mailbox("info@a.test") {
		t.Errorf("a.test after its proof: %+v, mailbox %v", d, st.mailbox("info@a.test"))
	}
	if d := st.domain("u.test"); d == nil || d.Active || st.mailbox("info@u.test") {
		t.Errorf("u.test without its record: %+v, mailbox %v; want it pending, without mailboxes", d, st.mailbox("info@u.test"))
	}

	// The owner publishes the record on both servers; apply activates.
	record := st.domain("u.test").VerificationToken
	p, err := rfc2136.New(primary.Addr(), rfc2136.Key{Name: primary.Key.Name, Algorithm: primary.Key.Algorithm, Secret: primary.Key.Secret})
	if err != nil {
		t.Fatal(err)
	}
	sets := []dns.RRSet{{Name: record, Type: "A", Records: []libdns.RR{{Name: record, Type: "A", TTL: time.Hour, Data: "192.0.2.16"}}}}
	for _, k := range st.DKIMKeys {
		if k.Domain == "u.test" { // and the DKIM key, stored without signing until then
			name := k.Selector + "._domainkey"
			sets = append(sets, dns.RRSet{Name: name, Type: "TXT", Records: []libdns.RR{{Name: name, Type: "TXT", TTL: time.Hour, Data: "v=DKIM1; k=" + k.Algorithm + "; p=" + k.PublicKey}}})
		}
	}
	if err := p.UpdateZone(context.Background(), "u.test.", sets); err != nil {
		t.Fatal(err)
	}
	servers.Notify(t, secondary, primary, "u.test")
	r = mustApply(t, env, dir)
	if strings.Contains(r.stdout, "Pending") {
		t.Errorf("u.test still pending after its record was published:\n%s", r.stdout)
	}
	st = readState(t, dir)
	if d := st.domain("u.test"); d == nil || !d.Active || !d.Verified || !st.mailbox("info@u.test") {
		t.Errorf("u.test after its proof: %+v, mailbox %v", d, st.mailbox("info@u.test"))
	}
	planIsEmpty(t, env, dir, "after both proofs")

	// mailform check: a.test is served alike by both servers.
	if r := mailform(t, env, "check", "--domain", "a.test", dir); r.code != 0 || !strings.Contains(r.stdout, "a.test (servers "+primary.Addr()+", "+secondary.Addr()+"): OK") {
		t.Errorf("check of a.test in sync: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// u.test's owner published only the ownership record and the DKIM key.
	r = mailform(t, env, "check", dir)
	for _, want := range []string{"MISSING  " + primary.Addr() + " u.test MX (mx): want \"10 mx1.platform.test.\"", "u.test (servers", "14 problems", "1 domain of 2 with problems"} {
		if r.code != 1 || !strings.Contains(r.stdout, want) {
			t.Errorf("check does not say %q (exit %d):\n%s%s", want, r.code, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stdout, "u.test A (ownership)") {
		t.Errorf("check reports the published ownership record:\n%s", r.stdout)
	}

	// A change reaches the primary; the secondary's transfer is held back.
	data.Policy = "quarantine"
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(render(t, proofConfig, data)), 0o644)
	mustApply(t, env, dir)
	r = mailform(t, env, "check", "--domain", "a.test", dir)
	for _, want := range []string{
		"STALE    " + secondary.Addr() + " a.test SOA: serial",
		"DIFFERENT " + secondary.Addr() + " _dmarc.a.test TXT (dmarc): serves \"v=DMARC1; p=none\"; want \"v=DMARC1; p=quarantine\"",
	} {
		if r.code != 1 || !strings.Contains(r.stdout, want) {
			t.Errorf("check of a lagging secondary does not say %q (exit %d):\n%s%s", want, r.code, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stdout, "  "+primary.Addr()) || strings.Contains(r.stdout, " "+primary.Addr()+" ") {
		t.Errorf("check names the primary:\n%s", r.stdout)
	}
	r = mailform(t, env, "check", "--json", "--domain", "a.test", dir)
	var report struct {
		OK      bool
		Domains []check.Report
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil || report.OK || len(report.Domains) != 1 {
		t.Fatalf("check --json: %v %+v\n%s", err, report, r.stdout)
	}
	stale := 0
	for _, x := range report.Domains[0].Results {
		if x.State == check.StateStale && x.Server == secondary.Addr() {
			stale++
		}
	}
	if stale != 1 {
		t.Errorf("check --json: %d stale results for the secondary; want 1", stale)
	}
	servers.Notify(t, secondary, primary, "a.test")
	if r := mailform(t, env, "check", "--domain", "a.test", dir); r.code != 0 {
		t.Errorf("check after the transfer: exit %d\n%s", r.code, r.stdout)
	}
}

// state is what a config's SQLite backend holds.
type state struct{ *mail.State }

func readState(t *testing.T, dir string) state {
	t.Helper()
	b, err := providers.OpenLocation(context.Background(), filepath.Join(dir, "mail.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	st, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return state{st}
}

func (s state) domain(name string) *mail.Domain {
	for _, d := range s.Domains {
		if d.Name == name {
			return d
		}
	}
	return nil
}

func (s state) mailbox(address string) bool {
	for _, m := range s.Mailboxes {
		if m.Address == address {
			return true
		}
	}
	return false
}
