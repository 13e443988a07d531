package scale

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/internal/synth"
	"github.com/mailform/mailform/internal/testenv"
)

// binary is the mailform program measured, built as users build it.
var binary string

func TestMain(m *testing.M) {
	var err error
	if binary, err = testenv.BuildMailform(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := servers.Main(m)
	os.RemoveAll(filepath.Dir(binary))
	os.Exit(code)
}

// The benchmarks need servers; a plain go test runs this instead, so that
// the setups are proven on every run at a small size.
func TestSetups(t *testing.T) {
	for _, f := range []freshSetup{newRFC2136(t, 20), newPostgres(t, 20)} {
		s := f.base()
		f.fresh(t)
		if out := s.run(t, 0, "apply", "--auto-approve", s.cfg); !strings.Contains(out, "Apply complete:") {
			t.Fatalf("apply:\n%s", out)
		}
		s.run(t, 0, "plan", "--detailed-exitcode", s.cfg)
	}
}

// BenchmarkRFC2136 is a reseller of 1,000 domains whose zones (about
// 1,100 with the alias domains') a BIND on loopback holds, written over
// RFC 2136 and read by AXFR. Targets: an apply that creates every mail
// record (and proves every domain's ownership on the server) within 15 s;
// a no-op plan within 3 s.
func BenchmarkRFC2136(b *testing.B) {
	applyThenPlan(b, "apply-all-records", newRFC2136(b, 1000))
}

// BenchmarkPostgres is a reseller of 10,000 domains and 100,000 mailboxes
// on the PostgreSQL backend (zone files for DNS). Target: a no-op plan
// within 3 s.
func BenchmarkPostgres(b *testing.B) {
	applyThenPlan(b, "apply-from-empty", newPostgres(b, 10000))
}

// freshSetup is a setup that can be put back as it was before mailform.
type freshSetup interface {
	fresh(t testing.TB)
	base() *setup
}

// applyThenPlan measures an apply onto a fresh setup, and the no-op plan
// after one.
func applyThenPlan(b *testing.B, applyName string, f freshSetup) {
	s := f.base()
	b.Run(applyName, func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			f.fresh(b)
			b.StartTimer()
			if out := s.measure(b, 0, "apply", "--auto-approve", s.cfg); !strings.Contains(out, "Apply complete:") {
				b.Fatalf("apply:\n%s", out)
			}
		}
	})
	b.Run("noop-plan", func(b *testing.B) {
		f.fresh(b)
		s.run(b, 0, "apply", "--auto-approve", s.cfg)
		b.ResetTimer()
		for range b.N {
			s.measure(b, 0, "plan", "--detailed-exitcode", s.cfg)
		}
	})
}

// setup is a generated reseller and the environment mailform runs in.
type setup struct {
	spec synth.Spec
	cfg  string   // the config directory
	env  []string // mailform's environment
}

func (s *setup) base() *setup { return s }

func (s *setup) generate(t testing.TB) {
	t.Helper()
	if _, err := synth.Generate(s.cfg, s.spec); err != nil {
		t.Fatal(err)
	}
}

// run runs mailform and checks its exit code; it returns the output.
func (s *setup) run(t testing.TB, want int, args ...string) string {
	t.Helper()
	out, _ := s.exec(t, want, args...)
	return out
}

// measure runs mailform like run, and reports its peak RSS.
func (s *setup) measure(b *testing.B, want int, args ...string) string {
	b.Helper()
	out, rss := s.exec(b, want, args...)
	b.ReportMetric(rss, "peak-MB")
	return out
}

func (s *setup) exec(t testing.TB, want int, args ...string) (string, float64) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr, cmd.Env = &out, &out, s.env
	err := cmd.Run()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatal(err)
	}
	if code := cmd.ProcessState.ExitCode(); code != want {
		t.Fatalf("mailform %s exited %d, want %d:\n%s", strings.Join(args, " "), code, want, out.String())
	}
	var rss float64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = float64(ru.Maxrss) / 1024
	}
	return out.String(), rss
}

// rfc2136 is a reseller whose zones a BIND serves.
type rfc2136 struct {
	setup
	zones string // the zones as they are before mailform
	key   servers.TSIG
	bind  *servers.DNSServer
}

func newRFC2136(t testing.TB, domains int) *rfc2136 {
	t.Helper()
	r := &rfc2136{key: servers.NewTSIG()}
	r.cfg = filepath.Join(t.TempDir(), "config")
	r.spec = synth.Spec{Domains: domains, Mailboxes: 10, Aliases: 2, Format: "hcl", Seed: 1}
	r.generate(t)
	r.zones = filepath.Join(r.cfg, "zones")
	r.env = append(os.Environ(), "MAILFORM_BENCH_TSIG_SECRET="+r.key.Secret)
	return r
}

// fresh starts a new BIND with the zones as they were before mailform,
// points the config at it and empties the mail backend. The BIND stops at
// the end of t.
func (r *rfc2136) fresh(t testing.TB) {
	t.Helper()
	if r.bind != nil {
		r.bind.Stop()
	}
	r.bind = servers.StartBINDFiles(t, r.key, r.zones)
	r.spec.NoZones = true
	r.spec.DNS = &synth.Provider{Type: "rfc2136", Settings: map[string]any{
		"server":      r.bind.Addr(),
		"tsig_key":    strings.TrimSuffix(r.key.Name, "."),
		"tsig_secret": synth.Expr(`env("MAILFORM_BENCH_TSIG_SECRET")`),
	}}
	r.spec.AuthServers = []string{r.bind.Addr()}
	r.generate(t)
	if err := os.RemoveAll(filepath.Join(r.cfg, ".mailform")); err != nil {
		t.Fatal(err)
	}
}

// postgres is a reseller on the PostgreSQL backend.
type postgres struct {
	setup
	zones string // the zones as they are before mailform
}

func newPostgres(t testing.TB, domains int) *postgres {
	t.Helper()
	p := &postgres{setup: setup{cfg: filepath.Join(t.TempDir(), "config"), env: os.Environ()}}
	p.spec = synth.Spec{Domains: domains, Mailboxes: 10, Aliases: 2, Format: "hcl", Seed: 1}
	p.generate(t)
	p.zones = filepath.Join(t.TempDir(), "zones")
	if err := os.Rename(filepath.Join(p.cfg, "zones"), p.zones); err != nil {
		t.Fatal(err)
	}
	return p
}

// fresh points the config at a new, empty database and puts the zone
// files back as they were before mailform.
func (p *postgres) fresh(t testing.TB) {
	t.Helper()
	pg := servers.StartPostgres(t)
	p.spec.NoZones = true
	p.spec.Backend = &synth.Provider{Type: "postgres", Settings: map[string]any{"dsn": pg.DSN(pg.NewDatabase(t))}}
	p.generate(t)
	zones := filepath.Join(p.cfg, "zones")
	if err := os.RemoveAll(zones); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(zones, os.DirFS(p.zones)); err != nil {
		t.Fatal(err)
	}
}
