package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailform/mailform/internal/testenv"
	"github.com/mailform/mailform/reconcile"
	"github.com/mailform/mailform/schema"
)

// quickstart copies the quickstart config into a temporary directory.
func quickstart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../examples/quickstart/hcl/main.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPlanApplyExitCodes(t *testing.T) {
	dir := quickstart(t)
	code, out, errOut := mailform(t, "plan", "--detailed-exitcode", dir)
	if code != exitChanges || !strings.Contains(out, "Plan: 16 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("first plan: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = mailform(t, "apply", dir)
	if code != 1 || !strings.Contains(errOut, "standard input is not a terminal") {
		t.Errorf("apply without a terminal or --auto-approve: exit %d\n%s", code, errOut)
	}
	code, out, errOut = mailform(t, "apply", "--auto-approve", dir)
	if code != 0 || !strings.Contains(out, "Apply complete: 16 added, 0 changed, 0 destroyed.") {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = mailform(t, "plan", "--detailed-exitcode", dir)
	if code != 0 || !strings.Contains(out, "No changes.") {
		t.Errorf("second plan: exit %d\n%s", code, out)
	}
	if code, out, _ := mailform(t, "apply", "--auto-approve", dir); code != 0 || !strings.Contains(out, "No changes.") {
		t.Errorf("second apply: exit %d\n%s", code, out)
	}
	bin := testenv.Command(t, "named-checkzone", "bind9-utils")
	if b, err := exec.Command(bin, "-i", "local", "acme.example", filepath.Join(dir, "zones", "acme.example.zone")).CombinedOutput(); err != nil {
		t.Errorf("named-checkzone: %v\n%s", err, b)
	}
}

func TestPlanJSONAndMarkdown(t *testing.T) {
	dir := quickstart(t)
	code, out, _ := mailform(t, "plan", "--json", dir)
	var p struct {
		FormatVersion int `json:"format_version"`
		Summary       struct{ Add int }
		Changes       []struct{ Address, Action string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p.FormatVersion != 1 || p.Summary.Add != 16 || p.Changes[0].Action != "create" {
		t.Errorf("plan --json: exit %d\n%s", code, out)
	}
	code, out, _ = mailform(t, "plan", "--markdown", dir)
	if code != 0 || !strings.HasPrefix(out, "### mailform plan: 16 to add") || !strings.Contains(out, "```diff") {
		t.Errorf("plan --markdown: exit %d\n%s", code, out)
	}
}

// A saved plan applies as it is, and is refused once the file, the config
// or the live side moved.
func TestSavedPlan(t *testing.T) {
	dir := quickstart(t)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if code, _, errOut := mailform(t, "plan", "--out", planFile, dir); code != 0 {
		t.Fatalf("plan --out: %s", errOut)
	}
	raw, _ := os.ReadFile(planFile)
	if strings.Contains(string(raw), "$6$") {
		t.Error("the plan file holds a password hash")
	}
	if code, out, _ := mailform(t, "show", planFile); code != 0 || !strings.Contains(out, "Plan: 16 to add") {
		t.Errorf("show: exit %d\n%s", code, out)
	}

	// Altered.
	altered := filepath.Join(t.TempDir(), "altered.json")
	os.WriteFile(altered, []byte(strings.Replace(string(raw), `"8GB"`, `"25GB"`, 1)), 0o600)
	if code, _, errOut := mailform(t, "apply", altered); code != 1 || !strings.Contains(errOut, "altered") {
		t.Errorf("altered plan: exit %d\n%s", code, errOut)
	}

	// Config changed.
	cfgFile := filepath.Join(dir, "main.hcl")
	orig, _ := os.ReadFile(cfgFile)
	os.WriteFile(cfgFile, []byte(strings.Replace(string(orig), `display_name = "ACME Ltd"`, `display_name = "ACME"`, 1)), 0o644)
	if code, _, errOut := mailform(t, "apply", planFile); code != 1 || !strings.Contains(errOut, "config changed since the plan was made") {
		t.Errorf("config changed: exit %d\n%s", code, errOut)
	}
	os.WriteFile(cfgFile, orig, 0o644)

	// As it is: applies without asking.
	if code, out, errOut := mailform(t, "apply", planFile); code != 0 || !strings.Contains(out, "Apply complete: 16 added") {
		t.Fatalf("apply plan file: exit %d\n%s%s", code, out, errOut)
	}

	// The live side moved: a plan made before the apply above no longer holds.
	second := filepath.Join(t.TempDir(), "second.json")
	os.WriteFile(cfgFile, []byte(strings.Replace(string(orig), `display_name = "ACME Ltd"`, `display_name = "ACME"`, 1)), 0o644)
	if code, _, errOut := mailform(t, "plan", "--out", second, dir); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := mailform(t, "apply", "--auto-approve", dir); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := mailform(t, "apply", second); code != 1 || !strings.Contains(errOut, "live state changed since the plan was made") {
		t.Errorf("live moved: exit %d\n%s", code, errOut)
	}
}

// A second apply fails at once and names who holds the lock.
func TestApplyLockHeld(t *testing.T) {
	dir := quickstart(t)
	cfg, _, _, diags := schema.Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	provs, err := reconcile.Open(context.Background(), cfg, osEnv())
	if err != nil {
		t.Fatal(err)
	}
	defer provs.Close()
	unlock, err := provs.Lock(context.Background(), "ci-job-17 (pid 4242)", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	code, _, errOut := mailform(t, "apply", "--auto-approve", dir)
	if code != 1 || !strings.Contains(errOut, "is locked by ci-job-17 (pid 4242)") || !strings.Contains(errOut, "--lock-timeout") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
}

func TestDestroyRefused(t *testing.T) {
	dir := quickstart(t)
	if code, _, errOut := mailform(t, "apply", "--auto-approve", dir); code != 0 {
		t.Fatal(errOut)
	}
	dropInfo(t, dir)
	code, out, errOut := mailform(t, "apply", "--auto-approve", dir)
	if code != 1 || !strings.Contains(errOut, "mailbox info@acme.example (tenant.acme/domain.acme.example/mailbox.info)") || !strings.Contains(errOut, "nothing was changed") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := mailform(t, "apply", "--auto-approve", "--allow-destroy", dir); code != 0 || !strings.Contains(out, "1 destroyed") {
		t.Errorf("with --allow-destroy: exit %d\n%s%s", code, out, errOut)
	}
}

// dropInfo removes the mailbox info from the quickstart config, pointing
// its alias at the postmaster.
func dropInfo(t *testing.T, dir string) {
	t.Helper()
	editConfig(t, dir, func(s string) string {
		start := strings.Index(s, `    mailbox "info" {`)
		end := start + strings.Index(s[start:], "    }\n") + len("    }\n")
		return strings.Replace(s[:start]+s[end:], `to = ["info@acme.example"]`, `to = ["postmaster@acme.example"]`, 1)
	})
}

func editConfig(t *testing.T, dir string, edit func(string) string) {
	t.Helper()
	file := filepath.Join(dir, "main.hcl")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(edit(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSettingsAndRecords(t *testing.T) {
	code, out, _ := mailform(t, "settings", "../../examples/reseller/hcl", "costruzioni-città.example")
	for _, want := range []string{"Mail client settings for rossi-costruzioni.example (branding: customer)", "IMAP:      mail.rossi-costruzioni.example, port 993, SSL/TLS", "Webmail:   https://webmail.rossi-costruzioni.example"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("settings: exit %d, no %q in\n%s", code, want, out)
		}
	}
	code, out, _ = mailform(t, "settings", "--json", "../../examples/reseller/hcl", "studio-bianchi.example")
	var s reconcile.ClientSettings
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.SMTP.Host != "mail.mailhost-reseller.example" || s.SMTP.Port != 587 {
		t.Errorf("settings --json: exit %d\n%s", code, out)
	}
	dir := quickstart(t)
	code, out, _ = mailform(t, "records", dir, "acme.example")
	if code != 0 || !strings.Contains(out, "acme.example.\t3600\tIN\tMX\t10 mx1.example.net.") || !strings.Contains(out, "(run mailform records acme.example after apply") {
		t.Errorf("records before apply: exit %d\n%s", code, out)
	}
	mailform(t, "apply", "--auto-approve", dir)
	code, out, _ = mailform(t, "records", dir, "acme.example")
	if code != 0 || !strings.Contains(out, "mail._domainkey.acme.example.\t3600\tIN\tTXT\t\"v=DKIM1; k=rsa; p=MII") {
		t.Errorf("records after apply: exit %d\n%s", code, out)
	}
}

// A plan saved by the previous release is applied, and refused, as that
// release did.
func TestSavedPlanOfPreviousRelease(t *testing.T) {
	setup := func(t *testing.T) string {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS("testdata/plan-v1")); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
		return dir
	}
	t.Run("accepted", func(t *testing.T) {
		setup(t)
		code, out, errOut := mailform(t, "apply", "plan.json")
		if code != 0 || !strings.Contains(out, "Apply complete: 16 added, 0 changed, 0 destroyed.") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		// Applied, it is out of date: the live side moved.
		if code, _, errOut := mailform(t, "apply", "plan.json"); code != 1 || !strings.Contains(errOut, "live state changed since the plan was made") {
			t.Errorf("applied twice: exit %d\n%s", code, errOut)
		}
	})
	t.Run("altered", func(t *testing.T) {
		dir := setup(t)
		path := filepath.Join(dir, "plan.json")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, bytes.Replace(b, []byte(`"ACME Ltd"`), []byte(`"ACME Ltc"`), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := mailform(t, "apply", "plan.json"); code != 1 || !strings.Contains(errOut, "the plan file was altered after it was written") {
			t.Errorf("exit %d\n%s", code, errOut)
		}
	})
	t.Run("config changed", func(t *testing.T) {
		dir := setup(t)
		f, err := os.OpenFile(filepath.Join(dir, "config", "main.hcl"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("\n# a comment\n")
		f.Close()
		if code, _, errOut := mailform(t, "apply", "plan.json"); code != 1 || !strings.Contains(errOut, "config changed since the plan was made") {
			t.Errorf("exit %d\n%s", code, errOut)
		}
	})
}

// import csv writes a valid config, refuses to overwrite it, and on bad
// files names every problem and writes nothing.
func TestImportCSV(t *testing.T) {
	data := "../../providers/source/csv/testdata/panel/"
	out := filepath.Join(t.TempDir(), "config")
	args := []string{"import", "csv", "--domains", data + "domains.csv", "--alias-domains", data + "alias-domains.csv",
		"--accounts", data + "accounts.csv", "--aliases", data + "aliases.csv", "--platform", data + "platform.hcl", "--out", out}
	code, stdout, errOut := mailform(t, args...)
	if code != 0 || !strings.Contains(stdout, "Imported 2 tenants, 2 domains, 1 alias domain, 3 mailboxes and 2 aliases") {
		t.Fatalf("exit %d\n%s%s", code, stdout, errOut)
	}
	if code, _, errOut := mailform(t, "validate", out); code != 0 {
		t.Errorf("validate on the import: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := mailform(t, "fmt", "--check", out); code != 0 {
		t.Errorf("fmt --check on the import: exit %d\n%s", code, errOut)
	}
	for _, f := range []string{"acme.example.hcl", "shop.example.hcl", "platform.hcl"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "pm-secret-1") || strings.Contains(string(b), "info-secret") {
			t.Errorf("%s holds a password in clear", f)
		}
	}
	if code, _, errOut := mailform(t, args...); code != 1 || !strings.Contains(errOut, "exists: ") || !strings.Contains(errOut, "--force") {
		t.Errorf("a second import over the first: exit %d\n%s", code, errOut)
	}

	// Into an existing config: checked against its platform, beside its
	// tenants, its logos read where it keeps them.
	existing := t.TempDir()
	if err := os.CopyFS(existing, os.DirFS("../../examples/reseller")); err != nil {
		t.Fatal(err)
	}
	if code, stdout, errOut := mailform(t, "import", "csv", "--domains", data+"domains.csv", "--accounts", data+"accounts.csv", "--out", filepath.Join(existing, "hcl")); code != 0 {
		t.Errorf("import into an existing config: exit %d\n%s%s", code, stdout, errOut)
	}
	if code, _, errOut := mailform(t, "validate", filepath.Join(existing, "hcl")); code != 0 {
		t.Errorf("validate after importing into an existing config: exit %d\n%s", code, errOut)
	}

	// --dns names a provider of the config; --tenant a valid tenant name.
	one := filepath.Join(t.TempDir(), "domains.csv")
	os.WriteFile(one, []byte("panel.example;pw-panel\n"), 0o644)
	quick := quickstart(t)
	if code, stdout, errOut := mailform(t, "import", "csv", "--domains", one, "--tenant", "panel", "--dns", "local", "--out", quick); code != 0 {
		t.Errorf("import with --dns local: exit %d\n%s%s", code, stdout, errOut)
	} else if b, _ := os.ReadFile(filepath.Join(quick, "panel.hcl")); !strings.Contains(string(b), `dns = "local"`) {
		t.Errorf("panel.hcl does not name the DNS provider:\n%s", b)
	}
	if code, _, errOut := mailform(t, "import", "csv", "--domains", one, "--tenant", "other", "--dns", "nowhere", "--out", quickstart(t)); code != 1 || !strings.Contains(errOut, "nowhere") {
		t.Errorf("import with an unknown --dns: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := mailform(t, "import", "csv", "--domains", one, "--tenant", "Acme Corp", "--out", quickstart(t)); code != 1 || !strings.Contains(errOut, `"Acme Corp" is not a valid tenant name`) {
		t.Errorf("import with a bad --tenant: exit %d\n%s", code, errOut)
	}

	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "domains.csv"), []byte("acme.example;x\nwww.b.example;y\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "accounts.csv"), []byte("info@acme.example\nx@c.example;z\n"), 0o644)
	empty := filepath.Join(t.TempDir(), "config")
	code, _, errOut = mailform(t, "import", "csv", "--domains", filepath.Join(bad, "domains.csv"), "--accounts", filepath.Join(bad, "accounts.csv"),
		"--platform", data+"platform.hcl", "--out", empty)
	for _, want := range []string{"domains.csv:2:domain: ", "accounts.csv:1: 1 fields, want 2", "accounts.csv:2:address: domain c.example of x@c.example is not in the domains file", "nothing was written"} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("bad files: exit %d, the output lacks %q:\n%s", code, want, errOut)
		}
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("a refused import wrote %s", empty)
	}
}
