package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailform/mailform/internal/servers"
)

// A tenant with n mailboxes, owned by owner in the backend.
const tenantConfig = `
platform {
  mail_host       = "mail.platform.test"
  webmail_url     = "https://webmail.platform.test"
  verification_ip = "192.0.2.16"
  ownership_proof = "none"
  authoritative_servers = ["{{.Customer}}"] # for the DKIM keys of a domain without managed DNS
  mx "mx1.platform.test" {
    priority = 10
  }
}
{{.Backend}}
{{if .Zones}}
dns_provider "local" {
  type        = "zonefile"
  directory   = "{{.Zones}}"
  nameservers = ["ns1.platform.test"]
}
{{end}}
tenant "{{.Tenant}}" {
  domain "{{.Tenant}}.test" {
{{if .Zones}}    dns = "local"
{{end}}{{range .Mailboxes}}    mailbox "{{.}}" {
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
      quota         = "{{$.Quota}}"
    }
{{end}}  }
}
`

type tenantData struct {
	Backend, Tenant, Quota, Zones, Customer string
	Mailboxes                               []string
}

func newTenant(t *testing.T, db servers.Database, owner, tenant string, n int) *tenantData {
	backend := backendBlock(db)
	backend = strings.Replace(backend, "}\n", fmt.Sprintf("  owner = %q\n}\n", owner), 1)
	d := &tenantData{Backend: backend, Tenant: tenant, Quota: "1GB", Customer: customerDNS(t, db)}
	for i := range n {
		d.Mailboxes = append(d.Mailboxes, fmt.Sprintf("user%03d", i))
	}
	return d
}

// planIsEmpty runs plan --detailed-exitcode and fails unless it finds no
// change.
func planIsEmpty(t *testing.T, env []string, dir, when string) {
	t.Helper()
	if r := mailform(t, env, "plan", "--detailed-exitcode", dir); r.code != 0 {
		t.Errorf("plan %s: exit %d, want 0 (no changes)\n%s%s", when, r.code, r.stdout, r.stderr)
	}
}

// Killing apply inside its backend transaction leaves the backend as it
// was; the lock dies with the process, and the next apply converges.
func TestKillDuringApply(t *testing.T) {
	for name, open := range databases(t) {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			data := newTenant(t, db, "default", "acme", 20)
			dir := writeConfig(t, tenantConfig, data)
			mustApply(t, nil, dir)

			before := render(t, tenantConfig, data)
			data.Quota = "2GB"
			for i := 20; i < 60; i++ {
				data.Mailboxes = append(data.Mailboxes, fmt.Sprintf("user%03d", i))
			}
			after := render(t, tenantConfig, data)
			os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(after), 0o644)
			for _, point := range []string{"mail-apply-midway", "mail-apply-commit"} {
				r := mailform(t, []string{"MAILFORM_FAULT=" + point}, "apply", "--auto-approve", dir)
				if r.code != -1 || !strings.Contains(r.stderr, "fault: killed at "+point) {
					t.Fatalf("apply with a kill at %s: exit %d\n%s%s", point, r.code, r.stdout, r.stderr)
				}
				// Nothing of the killed apply is in the backend: the config
				// as it was before plans no change.
				os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(before), 0o644)
				planIsEmpty(t, nil, dir, "after a kill at "+point)
				os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(after), 0o644)
			}
			// The lock died with the process: no wait needed.
			mustApply(t, nil, "--lock-timeout", "0s", dir)
			planIsEmpty(t, nil, dir, "after the re-run")
		})
	}
}

// Killing apply between the backend and the zone: the next apply writes
// what is missing, and nothing twice.
func TestKillBetweenBackendAndZone(t *testing.T) {
	db := servers.Database{SQLitePath: filepath.Join(t.TempDir(), "mail.db")}
	data := newTenant(t, db, "default", "acme", 3)
	data.Zones = filepath.Join(t.TempDir(), "zones")
	dir := writeConfig(t, tenantConfig, data)
	r := mailform(t, []string{"MAILFORM_FAULT=apply-step-done"}, "apply", "--auto-approve", dir)
	if r.code != -1 {
		t.Fatalf("apply with a kill after the first step: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = mailform(t, nil, "plan", dir)
	if r.code != 0 || strings.Contains(r.stdout, "mailbox") || !strings.Contains(r.stdout, "zone") {
		t.Errorf("the plan after the kill should hold the zone only:\n%s%s", r.stdout, r.stderr)
	}
	mustApply(t, nil, dir)
	planIsEmpty(t, nil, dir, "after the re-run")
}

// Killing apply while it writes a zone leaves the zone file as it was and
// a temporary file beside it, which the next apply removes.
func TestKillDuringZoneWrite(t *testing.T) {
	db := servers.Database{SQLitePath: filepath.Join(t.TempDir(), "mail.db")}
	data := newTenant(t, db, "default", "acme", 3)
	data.Zones = filepath.Join(t.TempDir(), "zones")
	dir := writeConfig(t, tenantConfig, data)
	r := mailform(t, []string{"MAILFORM_FAULT=zonefile-temp-written"}, "apply", "--auto-approve", dir)
	if r.code != -1 || !strings.Contains(r.stderr, "fault: killed at zonefile-temp-written") {
		t.Fatalf("apply with a kill in the zone write: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	temps := func() []string {
		m, _ := filepath.Glob(filepath.Join(data.Zones, ".mailform-*.zone.tmp"))
		return m
	}
	if len(temps()) == 0 {
		t.Fatal("the killed apply left no temporary zone file: the test kills at the wrong point")
	}
	mustApply(t, nil, dir)
	if left := temps(); len(left) > 0 {
		t.Errorf("the next apply left %v", left)
	}
	planIsEmpty(t, nil, dir, "after the re-run")
}

// Two runners applying different tenants of one PostgreSQL database (two
// CI jobs) take turns: the second waits for the first's lock, and neither
// touches the other's tenant.
func TestConcurrentApplies(t *testing.T) {
	pg := servers.StartPostgres(t)
	db := servers.Database{Postgres: pg, PGDatabase: pg.NewDatabase(t)}
	dirA := writeConfig(t, tenantConfig, newTenant(t, db, "job-a", "alpha", 30))
	dirB := writeConfig(t, tenantConfig, newTenant(t, db, "job-b", "beta", 30))

	// A second runner that does not wait is told who holds the lock.
	var wg sync.WaitGroup
	var a, b, c result
	var aEnd, bEnd time.Time
	wg.Add(1)
	go func() {
		defer wg.Done()
		a = mailform(t, []string{"MAILFORM_FAULT=mail-apply-midway:sleep=4s"}, "apply", "--auto-approve", dirA)
		aEnd = time.Now()
	}()
	waitFor(t, func() bool { return lockHeld(t, db) })
	c = mailform(t, nil, "apply", "--auto-approve", "--lock-timeout", "0s", dirB)
	bStart := time.Now()
	b = mailform(t, nil, "apply", "--auto-approve", "--lock-timeout", "60s", dirB)
	bEnd = time.Now()
	wg.Wait()
	if c.code == 0 || !strings.Contains(c.stderr, "locked by") || !strings.Contains(c.stderr, "apply") {
		t.Errorf("a runner that does not wait: exit %d\n%s%s", c.code, c.stdout, c.stderr)
	}
	if a.code != 0 || b.code != 0 {
		t.Fatalf("both applies should succeed: A exit %d\n%s%s\nB exit %d\n%s%s", a.code, a.stdout, a.stderr, b.code, b.stdout, b.stderr)
	}
	if !bEnd.After(aEnd) {
		t.Errorf("B finished at %s, before A released the lock at %s: the applies interleaved", bEnd.Format(time.StampMilli), aEnd.Format(time.StampMilli))
	}
	if bEnd.Sub(bStart) < time.Second {
		t.Errorf("B took %s: it did not wait for A's lock", bEnd.Sub(bStart))
	}
	planIsEmpty(t, nil, dirA, "of job A")
	planIsEmpty(t, nil, dirB, "of job B")
}

// Twenty first applies of one config at once, on a new database and zone
// directory, a few times over: each sets up the schema or finds it set up,
// then waits its turn for the apply lock. None fails, and the result is
// what one apply makes.
func TestConcurrentFirstApplies(t *testing.T) {
	for name, open := range databases(t) {
		t.Run(name, func(t *testing.T) {
			for round := range 3 {
				db := open(t)
				data := newTenant(t, db, "default", "acme", 3)
				data.Zones = filepath.Join(t.TempDir(), "zones")
				dir := writeConfig(t, tenantConfig, data)
				results := make([]result, 20)
				var wg sync.WaitGroup
				for i := range results {
					wg.Go(func() { results[i] = mailform(t, nil, "apply", "--auto-approve", "--lock-timeout", "2m", dir) })
				}
				wg.Wait()
				for i, r := range results {
					if r.code != 0 {
						t.Errorf("round %d, apply %d: exit %d\n%s%s", round+1, i+1, r.code, r.stdout, r.stderr)
					}
				}
				planIsEmpty(t, nil, dir, fmt.Sprintf("after round %d", round+1))
			}
		})
	}
}

// lockHeld reports whether an apply holds db's lock, the advisory lock
// of key 0x6d61696c666f726d ("mailform").
func lockHeld(t *testing.T, db servers.Database) bool {
	n, err := db.Postgres.Count(db.PGDatabase, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND classid = x'6d61696c'::int::oid AND objid = x'666f726d'::int::oid`)
	return err == nil && n > 0
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
