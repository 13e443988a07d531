package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/internal/testenv"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/lock"
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/reconcile/plan"
	"github.com/mailform/mailform/schema"

	_ "github.com/mailform/mailform/providers/dns/zonefile"
	_ "github.com/mailform/mailform/providers/mail/sql"
)

// copyDir copies a config directory, and what sits beside it (logos), into
// a fresh temporary directory, leaving out state from earlier runs.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	root := t.TempDir()
	base := filepath.Dir(src)
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, path)
		dst := filepath.Join(root, rel)
		if d.IsDir() {
			if d.Name() == ".mailform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, filepath.Base(src))
}

// session runs plan and apply on a copy of a config, as the CLI does.
type session struct {
	t   *testing.T
	dir string
	env map[string]string
	ctx context.Context
}

var fullEnv = map[string]string{"MAILFORM_BRAND_PM": "brand-pm-secret", "MAILFORM_ACME_INFO": "info-secret", "MAILFORM_SHOP_PW": "shop-secret", "MAILFORM_ACME_RELAY": "relay-secret"}

func newSession(t *testing.T, config string, env map[string]string) *session {
	e := map[string]string{}
	for k, v := range env {
		e[k] = v
	}
	return &session{t: t, dir: copyDir(t, config), ctx: context.Background(), env: e}
}

func (s *session) environment() schema.Environment {
	return schema.Environment{LookupEnv: func(k string) (string, bool) { v, ok := s.env[k]; return v, ok }}
}

// edit rewrites the config's main.hcl.
func (s *session) edit(old, new string) {
	s.t.Helper()
	path := filepath.Join(s.dir, "main.hcl")
	b, err := os.ReadFile(path)
	if err != nil {
		s.t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		s.t.Fatalf("main.hcl has no %q", old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *session) open() (*schema.Config, string, *Providers) {
	s.t.Helper()
	cfg, _, checksum, diags := schema.Load(s.dir)
	if diags.HasErrors() {
		s.t.Fatal(diags.Error())
	}
	provs, err := Open(s.ctx, cfg, s.environment())
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { provs.Close() })
	// The domains whose DNS is not managed: their owners have published
	// the ownership records, and the DKIM keys stored for them, on a server
	// of their own.
	published := func(name string) []string {
		var out []string
		for _, m := range provs.Mail {
			st, err := m.Read(s.ctx)
			if err != nil {
				continue
			}
			for _, k := range st.DKIMKeys {
				if k.Selector+"._domainkey."+k.Domain+"." == name {
					out = append(out, dkimText(k.Algorithm, k.PublicKey))
				}
			}
		}
		return out
	}
	provs.Prover = &Prover{Pinned: []string{servers.StartCustomerDNS(s.t, cfg.Platform.VerificationIP, published)}, Timeout: 5 * time.Second, Interval: 50 * time.Millisecond}
	return cfg, checksum, provs
}

func (s *session) plan(targets ...string) (*plan.Plan, *Providers) {
	s.t.Helper()
	cfg, checksum, provs := s.open()
	p, _, d, err := MakePlan(s.ctx, cfg, checksum, s.environment(), provs, PlanOptions{Targets: targets})
	if err != nil || d.HasErrors() {
		s.t.Fatalf("plan: %v %v", err, d)
	}
	return p, provs
}

// apply plans and applies, allowing what the test allows.
func (s *session) apply(allowDestroy, force bool) *plan.Plan {
	s.t.Helper()
	p, provs := s.plan()
	if err := p.Check(allowDestroy, force); err != nil {
		s.t.Fatal(err)
	}
	if res := Apply(s.ctx, p, provs, nil); res.Err != nil {
		s.t.Fatal(res.Err)
	}
	return p
}

// converged checks that a new plan is empty.
func (s *session) converged() {
	s.t.Helper()
	p, _ := s.plan()
	for _, c := range p.Changes {
		s.t.Errorf("the plan after apply is not empty: %c %s %v", c.Action, c.Address, c.Fields())
	}
}

func (s *session) zone(name string) string {
	s.t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, "zones", name+".zone"))
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

// checkZones runs BIND's named-checkzone on every zone file; -i local
// keeps it from looking anything up outside the zone.
func (s *session) checkZones() {
	s.t.Helper()
	bin := testenv.Command(s.t, "named-checkzone", "bind9-utils")
	files, _ := filepath.Glob(filepath.Join(s.dir, "zones", "*.zone"))
	if len(files) == 0 {
		s.t.Fatal("no zone file")
	}
	for _, f := range files {
		zone := strings.TrimSuffix(filepath.Base(f), ".zone")
		if out, err := exec.Command(bin, "-i", "local", "-k", "fail", "-m", "fail", zone, f).CombinedOutput(); err != nil {
			s.t.Errorf("named-checkzone refuses %s: %v\n%s", f, err, out)
		}
	}
}

// inputs are what Diff takes, read for the session's config.
type inputs struct {
	cfg   *schema.Config
	want  *Desired
	live  *Live
	provs *Providers
}

func (s *session) inputs() inputs {
	s.t.Helper()
	cfg, _, provs := s.open()
	want, diags := DesiredState(cfg, s.environment())
	if diags.HasErrors() {
		s.t.Fatal(diags)
	}
	live, err := Refresh(s.ctx, cfg, provs, RefreshOptions{})
	if err != nil {
		s.t.Fatal(err)
	}
	return inputs{cfg, want, live, provs}
}

func addresses(p *plan.Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, string(c.Action)+" "+c.Address)
	}
	return out
}

func TestExamplesConverge(t *testing.T) {
	for _, ex := range []string{"../examples/quickstart/hcl", "../examples/quickstart/yaml", "../examples/relay/hcl"} {
		t.Run(ex, func(t *testing.T) {
			s := newSession(t, ex, map[string]string{"MAILFORM_SHOPCO_RELAY_WEBSITE": "a", "MAILFORM_SHOPCO_RELAY_NEWSLETTER": "b"})
			if p := s.apply(false, false); p.Empty() {
				t.Fatal("the first plan is empty")
			}
			s.converged()
			s.checkZones()
		})
	}
}

func TestFullApply(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	p := s.apply(false, false)
	s.converged()
	s.checkZones()

	// Foreign lines stay byte for byte; the old provider's MX and SPF are
	// replaced; the explicit www record takes over www A.
	acme := s.zone("acme.example")
	for _, line := range []string{
		"; acme.example, kept by hand until now\n",
		"    IN  TXT \"google-site-verification=abc123\"\n",
		"    IN  A   198.51.100.80\n",
		"shop        IN  A   198.51.100.81 ; the shop\n",
		"_acme-challenge IN TXT \"token-xyz\"\n",
		"@   IN  CAA 0 issue \"letsencrypt.org\"\n",
		"acme.example.\t3600\tIN\tMX\t10 mail.acme.example.\n",
		"mail.acme.example.\t3600\tIN\tA\t203.0.113.10\n",
		"webmail.acme.example.\t3600\tIN\tAAAA\t2001:db8::10\n",
		"cert.acme.example.\t3600\tIN\tMX\t10 mx.cert.legalmail.it.\n",
		"www.acme.example.\t3600\tIN\tA\t198.51.100.80\n",
		"\"v=spf1 mx ip4:203.0.113.10 ip6:2001:db8::10 include:_spf.platform.example ~all\"",
	} {
		if !strings.Contains(acme, line) {
			t.Errorf("acme.example zone lacks %q:\n%s", line, acme)
		}
	}
	for _, gone := range []string{"oldprovider", "198.51.100.79"} {
		if strings.Contains(acme, gone) {
			t.Errorf("acme.example zone still holds %q:\n%s", gone, acme)
		}
	}
	// PEC: cert.acme.test is a zone of its own, so the MX is at its apex.
	if cert := s.zone("cert.acme.test"); !strings.Contains(cert, "cert.acme.test.\t3600\tIN\tMX\t10 mx.cert.legalmail.it.") {
		t.Errorf("cert.acme.test zone:\n%s", cert)
	}
	if strings.Contains(s.zone("acme.test"), "legalmail") {
		t.Error("the PEC MX also went into the parent zone")
	}
	// The IDN alias domain got a zone of its own, in punycode.
	if !strings.Contains(s.zone("xn--acm-dma.example"), "xn--acm-dma.example.\t3600\tIN\tMX\t10 mail.acme.example.") {
		t.Error("the alias domain's MX is missing")
	}
	// Unmanaged DNS and TLS certificates are notes for a person.
	kinds := map[string]int{}
	for _, n := range p.Notes {
		kinds[n.Kind]++
	}
	if diff := cmp.Diff(map[string]int{"unmanaged_dns": 1, "tls_certificate": 3}, kinds); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

// The ownership record's name is the same on every run for a domain.
func TestVerificationTokenIsStable(t *testing.T) {
	a, b := VerificationToken("acme.example"), VerificationToken("acme.example")
	if a != b || !tokenName.MatchString(a) || a == VerificationToken("acme.test") {
		t.Errorf("tokens %s %s %s", a, b, VerificationToken("acme.test"))
	}
}

// A plan after one change names exactly that change.
func TestPlanNamesOneChange(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	s.apply(false, false)
	s.edit(`quota         = "4GB"`, `quota         = "8GB"`)
	p, _ := s.plan()
	if diff := cmp.Diff([]string{"~ tenant.acme/domain.acme.example/mailbox.sales"}, addresses(p)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]plan.Field{{Name: "quota", Before: "4GB", After: "8GB"}}, p.Changes[0].Fields()); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

// A secret that did not change is no change; one that did shows as
// (sensitive), and never its value.
func TestSecretsCompareByVerifying(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	s.apply(false, false)
	s.converged()
	s.env["MAILFORM_ACME_INFO"] = "a-new-secret"
	p, _ := s.plan()
	if diff := cmp.Diff([]string{"~ tenant.acme/domain.acme.example/mailbox.info"}, addresses(p)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]plan.Field{{Name: "password", Before: "(sensitive)", After: "(sensitive)", Sensitive: true}}, p.Changes[0].Fields()); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	s.apply(false, false)
	s.converged()
}

// Deleting a mailbox needs --allow-destroy, and names it.
func TestDestroyNeedsPermission(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	s.apply(false, false)
	s.edit(`mailbox "shop" {
      password = env("MAILFORM_SHOP_PW")
    }`, ``)
	p, _ := s.plan()
	err := p.Check(false, false)
	if !errors.Is(err, plan.ErrDestroy) || !strings.Contains(err.Error(), "mailbox shop@unmanaged.example (tenant.acme/domain.unmanaged.example/mailbox.shop)") {
		t.Fatalf("Check = %v", err)
	}
	s.apply(true, false)
	s.converged()
}

// Removing a customer's branding touches most of a small zone: that needs
// --force, unless the domain raises its threshold.
func TestZoneThreshold(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	s.apply(false, false)
	s.edit(`  domain "acme.test" {
    branding = "reseller"
    mx       = "reseller"`, `  domain "acme.test" {
    branding = "none"
    mx       = "platform"`)
	p, _ := s.plan()
	if err := p.Check(false, false); !errors.Is(err, plan.ErrForce) || !strings.Contains(err.Error(), "zone acme.test at zones") {
		t.Fatalf("Check = %v\n%v", err, addresses(p))
	}
	s.edit(`    branding = "none"
    mx       = "platform"`, `    branding = "none"
    mx       = "platform"
    dns_change_threshold = 90`)
	p, _ = s.plan()
	if err := p.Check(false, false); err != nil {
		t.Fatalf("with a 90%% threshold: %v", err)
	}
	s.apply(false, false)
	s.converged()
	s.checkZones()
}

// Mail records left over from an earlier branding go, when they hold what
// mailform wrote; a record someone else made at such a name stays.
func TestLeftoverRecords(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	s.apply(false, false)
	s.edit(`    branding  = "customer"
    dns       = "zones"
    catch_all`, `    branding  = "none"
    mx        = "platform"
    dns       = "zones"
    catch_all`)
	p, _ := s.plan()
	want := []string{
		"~ tenant.acme/domain.acme.example",
		"~ tenant.acme/domain.acme.example/alias_domain.xn--acm-dma.example/dns.MX.@",
		"~ tenant.acme/domain.acme.example/dns.CNAME.autoconfig",
		"~ tenant.acme/domain.acme.example/dns.MX.@",
		"~ tenant.acme/domain.acme.example/dns.SRV._imaps._tcp",
		"~ tenant.acme/domain.acme.example/dns.SRV._pop3s._tcp",
		"~ tenant.acme/domain.acme.example/dns.SRV._submission._tcp",
		"- tenant.acme/domain.acme.example/dns.A.mail",
		"- tenant.acme/domain.acme.example/dns.A.webmail",
		"- tenant.acme/domain.acme.example/dns.AAAA.mail",
		"- tenant.acme/domain.acme.example/dns.AAAA.webmail",
	}
	if diff := cmp.Diff(want, addresses(p)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	s.apply(false, true)
	s.converged()
	s.checkZones()
}

// --target keeps the changes under an address and the parents they need.
func TestTarget(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	p, _ := s.plan("tenant.acme/domain.acme.example/mailbox.info")
	want := []string{"+ tenant.acme", "+ tenant.acme/domain.acme.example", "+ tenant.acme/domain.acme.example/mailbox.info"}
	if diff := cmp.Diff(want, addresses(p)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	cfg, checksum, provs := s.open()
	if _, _, _, err := MakePlan(s.ctx, cfg, checksum, s.environment(), provs, PlanOptions{Targets: []string{"tenant.acme/domain.nope"}}); err == nil {
		t.Error("a target that matches nothing is accepted")
	}
}

// Diff is pure: the same inputs give the same plan.
func TestDiffIsDeterministic(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	in := s.inputs()
	a, err := Diff(in.cfg, in.want, in.live)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		b, err := Diff(in.cfg, in.want, in.live)
		if err != nil || !a.SameAs(b) {
			t.Fatalf("a second Diff differs (%v)", err)
		}
	}
}

// A missing secret is reported at its place when planning, not when
// validating.
func TestMissingSecretAtPlan(t *testing.T) {
	s := newSession(t, "testdata/full", map[string]string{"MAILFORM_BRAND_PM": "x"})
	cfg, checksum, provs := s.open()
	_, _, diags, err := MakePlan(s.ctx, cfg, checksum, s.environment(), provs, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diags {
		got = append(got, filepath.Base(d.Subject.Filename)+": "+d.Summary)
	}
	want := []string{
		"main.hcl: environment variable MAILFORM_ACME_INFO is not set",
		"main.hcl: environment variable MAILFORM_SHOP_PW is not set",
		"main.hcl: environment variable MAILFORM_ACME_RELAY is not set",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A hash given by reference is checked as a literal one is, at plan time:
// the diagnostic names the reference and where it is written, never the
// value.
func TestMalformedHashByReference(t *testing.T) {
	for value, summary := range map[string]string{
		"{SHA512-CRYPT}not-a-crypt-hash": `password_hash: env("MAILFORM_BAD_HASH") does not hold a valid crypt hash`,
		"{PLAIN}hunter2":                 `password_hash: env("MAILFORM_BAD_HASH") holds a plaintext password, not a crypt hash`,
		"{NOPE}x":                        `password_hash: env("MAILFORM_BAD_HASH") holds a hash of a scheme mailform does not accept`,
	} {
		env := map[string]string{"MAILFORM_BAD_HASH": value}
		for k, v := range fullEnv {
			env[k] = v
		}
		s := newSession(t, "testdata/full", env)
		s.edit(`password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"`,
			`password_hash = env("MAILFORM_BAD_HASH")`)
		cfg, checksum, provs := s.open()
		_, _, diags, err := MakePlan(s.ctx, cfg, checksum, s.environment(), provs, PlanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range diags {
			got = append(got, fmt.Sprintf("%s:%d:%d: %s", filepath.Base(d.Subject.Filename), d.Subject.Start.Line, d.Subject.Start.Column, d.Summary))
		}
		if diff := cmp.Diff([]string{"main.hcl:67:23: " + summary}, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", value, diff)
		}
		var out strings.Builder
		schema.WriteDiagnostics(&out, diags, nil, false)
		if strings.Contains(out.String(), value) || strings.Contains(out.String(), "hunter2") {
			t.Errorf("the diagnostic shows the value:\n%s", out.String())
		}
	}
}

// A second apply fails at once, naming who holds the lock.
func TestLock(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	_, _, provs := s.open()
	unlock, err := provs.Lock(s.ctx, "first apply (pid 1)", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	_, _, other := s.open()
	_, err = other.Lock(s.ctx, "second", 0)
	var held *lock.HeldError
	if !errors.As(err, &held) || held.Holder != "first apply (pid 1)" {
		t.Fatalf("second lock: %v", err)
	}
}

// failingZones makes one zone's update fail, as a server that goes away
// would.
type failingZones struct {
	dns.Provider
	zone string
}

func (f failingZones) UpdateZone(ctx context.Context, zone string, sets []dns.RRSet) error {
	if zone == f.zone {
		return errors.New("connection refused")
	}
	return f.Provider.(dns.Updater).UpdateZone(ctx, zone, sets)
}

func (f failingZones) CreateZone(ctx context.Context, zone string) error {
	return f.Provider.(dns.ZoneCreator).CreateZone(ctx, zone)
}

// An apply that fails stops there, says what it wrote and what it did not,
// and the next apply carries on.
func TestApplyStopsAndConverges(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	p, provs := s.plan()
	provs.DNS["zones"] = failingZones{Provider: provs.DNS["zones"], zone: "acme.test."}
	res := Apply(s.ctx, p, provs, nil)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "zone acme.test at zones: connection refused") {
		t.Fatalf("err = %v", res.Err)
	}
	if len(res.Applied) == 0 || len(res.Failed) == 0 || len(res.Applied)+len(res.Failed)+len(res.Skipped) != len(p.Changes) {
		t.Errorf("applied %d, failed %d, skipped %d of %d", len(res.Applied), len(res.Failed), len(res.Skipped), len(p.Changes))
	}
	for _, c := range res.Failed {
		if c.Zone != "acme.test." {
			t.Errorf("reported as failed: %s", c.Address)
		}
	}
	// A domain awaiting its ownership proof was written pending, and a new
	// DKIM key stored without signing: the next plan activates them.
	pending := map[string]bool{}
	for _, pr := range append(p.Proofs, p.DKIM...) {
		pending[pr.Address] = true
	}
	var notWritten []string
	for _, c := range append(res.Failed, res.Skipped...) {
		if pending[c.Address] {
			notWritten = append(notWritten, "~ "+c.Address)
			continue
		}
		notWritten = append(notWritten, string(c.Action)+" "+c.Address)
	}
	next, _ := s.plan()
	if diff := cmp.Diff(notWritten, addresses(next), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("the next plan is not what was not written (-not written +next plan):\n%s", diff)
	}
	s.apply(false, false)
	s.converged()
}

// Changing the DKIM key type under the same selector replaces the key, and
// its record follows; the next plan is empty.
func TestDKIMKeyReplace(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	s.apply(false, false)
	before := s.zone("acme.example")
	s.edit(`selector = "s2026"`, `selector = "s2026"
      key_type = "ed25519"`)
	p, _ := s.plan()
	want := []string{"± tenant.acme/domain.acme.example/dkim.s2026", "~ tenant.acme/domain.acme.example/dns.TXT.s2026._domainkey"}
	if diff := cmp.Diff(want, addresses(p)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	s.apply(false, false)
	s.converged()
	after := s.zone("acme.example")
	if before == after || !strings.Contains(after, `"v=DKIM1; k=ed25519; p=`) {
		t.Errorf("the DKIM record did not follow the new key:\n%s", after)
	}
}

// A DNS provider's change_threshold raises the limit for its zones.
func TestProviderThreshold(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	s.apply(false, false)
	s.edit(`    branding = "reseller"
    mx       = "reseller"`, `    branding = "none"
    mx       = "platform"`)
	s.edit(`  nameservers = ["ns1.platform.example", "ns2.platform.example"]`, `  nameservers = ["ns1.platform.example", "ns2.platform.example"]
  change_threshold = 95`)
	p, _ := s.plan()
	if err := p.Check(false, false); err != nil {
		t.Fatal(err)
	}
	if len(p.Zones) == 0 || p.Zones[0].ThresholdPercent != 95 {
		t.Errorf("zones %+v", p.Zones)
	}
}

// Deletes run child-first: a domain's mailboxes before the domain, the
// domain before its tenant.
func TestExecutionOrder(t *testing.T) {
	var cs []*plan.Change
	for _, k := range []plan.Kind{plan.KindTenant, plan.KindDomain, plan.KindMailbox, plan.KindAlias} {
		cs = append(cs, &plan.Change{Kind: k, Action: plan.Delete, Address: string(k)}, &plan.Change{Kind: k, Action: plan.Create, Address: string(k)})
	}
	plan.Sort(cs)
	var got []string
	for _, c := range executionOrder(cs) {
		got = append(got, string(c.Action)+string(c.Kind))
	}
	want := []string{"-alias", "-mailbox", "-domain", "-tenant", "+tenant", "+domain", "+mailbox", "+alias"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// Mailboxes are written by address, not by tenant and domain.
	mailbox := func(address, tenantPath string) *plan.Change {
		return &plan.Change{Kind: plan.KindMailbox, Action: plan.Create, Address: tenantPath, After: &mail.Mailbox{Address: address}}
	}
	cs = []*plan.Change{
		mailbox("b@z.test", "tenant.a/domain.z.test/mailbox.b"),
		mailbox("a@a.test", "tenant.b/domain.a.test/mailbox.a"),
		{Kind: plan.KindDomain, Action: plan.Create, Address: "tenant.b/domain.a.test"},
		mailbox("a@z.test", "tenant.a/domain.z.test/mailbox.a"),
	}
	plan.Sort(cs)
	got = nil
	for _, c := range executionOrder(cs) {
		got = append(got, string(c.Action)+backendKey(c))
	}
	want = []string{"+tenant.b/domain.a.test", "+a@a.test", "+a@z.test", "+b@z.test"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mailboxes (-want +got):\n%s", diff)
	}
}

// Targeting a record of a zone the plan creates keeps the zone's creation.
func TestTargetKeepsZone(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	p, _ := s.plan("tenant.brand/domain.brand.example/dns.MX.@")
	want := []string{"+ tenant.brand", "+ tenant.brand/domain.brand.example", "+ tenant.brand/domain.brand.example/dns_zone.brand.example", "+ tenant.brand/domain.brand.example/dns.MX.@"}
	if diff := cmp.Diff(want, addresses(p)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	p, provs := s.plan("tenant.brand/domain.brand.example/dns.TXT.mail._domainkey")
	want = []string{"+ tenant.brand", "+ tenant.brand/domain.brand.example", "+ tenant.brand/domain.brand.example/dkim.mail",
		"+ tenant.brand/domain.brand.example/dns_zone.brand.example", "+ tenant.brand/domain.brand.example/dns.TXT.mail._domainkey"}
	if diff := cmp.Diff(want, addresses(p)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if res := Apply(s.ctx, p, provs, nil); res.Err != nil {
		t.Fatal(res.Err)
	}
	if !strings.Contains(s.zone("brand.example"), "mail._domainkey.brand.example.\t3600\tIN\tTXT\t\"v=DKIM1; k=rsa; p=MII") {
		t.Error("the targeted DKIM record was not published with its key")
	}
}

// TestMain keeps every test on loopback: no real resolver is asked.
func TestMain(m *testing.M) { os.Exit(servers.Main(m)) }

// A change draws its fields from the diff's objects when asked: the plan
// shows the same after it was applied as before (apply does not change
// what the fields are drawn from), and a saved plan reads back the same.
func TestPlanFieldsOutliveApply(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	check := func(what string) {
		t.Helper()
		p, provs := s.plan()
		before, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back plan.Plan
		if err := json.Unmarshal(before, &back); err != nil || !back.SameAs(p) {
			t.Errorf("%s: the plan does not read back the same (%v)", what, err)
		}
		if res := Apply(s.ctx, p, provs, nil); res.Err != nil {
			t.Fatal(res.Err)
		}
		after, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(before), string(after)); diff != "" {
			t.Errorf("%s: the plan shows otherwise after apply (-before +after):\n%s", what, diff)
		}
	}
	check("first apply")
	s.edit(`selector = "s2026"`, `selector = "s2026"
      key_type = "ed25519"`)
	s.edit(`quota         = "4GB"`, `quota         = "8GB"`)
	check("a replaced key and a new quota")
	s.converged()
}

// Diff settles passwords, verification tokens, renames and purges in
// copies: the desired state, the live state and the config it was given
// are as they were; and MakePlan leaves the config as it was.
func TestDiffLeavesItsInputsAlone(t *testing.T) {
	s := newSession(t, "testdata/full", fullEnv)
	s.apply(false, false)
	s.edit(`  domain "unmanaged.example" {
    mailbox "shop" {
      password = env("MAILFORM_SHOP_PW")
    }
  }`, `  domain "unmanaged.example" {
    purge_deleted_mail = "30d"
  }`)
	s.edit(`    mailbox "info" {
      password = env("MAILFORM_ACME_INFO")`, `    mailbox "info2" {
      moved_from = "info@acme.example"
      password = env("MAILFORM_ACME_INFO")`)
	s.edit(`catch_all = "info@acme.example"`, `catch_all = "info2@acme.example"`)
	s.edit(`to = ["info@acme.example", "sales@acme.example"]`, `to = ["info2@acme.example", "sales@acme.example"]`)
	// Two of each input, made alike: one is given to Diff, the other
	// stays as the reference.
	given, kept := s.inputs(), s.inputs()
	p, err := Diff(given.cfg, given.want, given.live)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Changes {
		if c.Kind == plan.KindMailbox {
			got = append(got, fmt.Sprintf("%c %s %s", c.Action, c.Address, c.PurgeAfter))
		}
	}
	want := []string{
		"~ tenant.acme/domain.acme.example/mailbox.info2 ",
		"- tenant.acme/domain.unmanaged.example/mailbox.shop 30d",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("mailbox changes (-want +got):\n%s", diff)
	}
	all := cmp.Exporter(func(reflect.Type) bool { return true })
	ignore := cmp.Options{cmpopts.IgnoreTypes(sync.Once{}, hcl.Range{}), cmpopts.IgnoreInterfaces(struct {
		hcl.Body
		hcl.Expression
	}{})}
	if diff := cmp.Diff(kept.want, given.want, all, ignore); diff != "" {
		t.Errorf("Diff changed the desired state (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(kept.live.Mail, given.live.Mail, all, ignore); diff != "" {
		t.Errorf("Diff changed the live backends (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(kept.live.DNS, given.live.DNS, all, ignore); diff != "" {
		t.Errorf("Diff changed the live zones (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(kept.cfg.Tenants, given.cfg.Tenants, all, ignore); diff != "" {
		t.Errorf("Diff changed the config (-before +after):\n%s", diff)
	}
	if _, _, d, err := MakePlan(s.ctx, given.cfg, "", s.environment(), given.provs, PlanOptions{Fingerprint: true}); err != nil || d.HasErrors() {
		t.Fatal(err, d)
	}
	if diff := cmp.Diff(kept.cfg.Tenants, given.cfg.Tenants, all, ignore); diff != "" {
		t.Errorf("MakePlan changed the config (-before +after):\n%s", diff)
	}
}
