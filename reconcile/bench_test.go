package reconcile

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/mailform/mailform/internal/synth"
	"github.com/mailform/mailform/reconcile/render"
	"github.com/mailform/mailform/schema"
)

// applied generates a reseller of n domains (10 mailboxes, 2 aliases
// each) on the embedded SQLite backend and zone files, applies it, and
// returns the config and its providers.
func applied(b *testing.B, n int) (*schema.Config, *Desired, *Providers) {
	b.Helper()
	dir := b.TempDir()
	if _, err := synth.Generate(dir, synth.Spec{Domains: n, Mailboxes: 10, Aliases: 2, Format: "hcl", Seed: 1}); err != nil {
		b.Fatal(err)
	}
	cfg, _, checksum, diags := schema.Load(dir)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	env := schema.Environment{LookupEnv: os.LookupEnv}
	ctx := context.Background()
	provs, err := Open(ctx, cfg, env)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { provs.Close() })
	p, _, d, err := MakePlan(ctx, cfg, checksum, env, provs, PlanOptions{})
	if err != nil || d.HasErrors() {
		b.Fatal(err, d)
	}
	if res := Apply(ctx, p, provs, nil); res.Err != nil {
		b.Fatal(res.Err)
	}
	want, d := DesiredState(cfg, env)
	if d.HasErrors() {
		b.Fatal(d)
	}
	return cfg, want, provs
}

// BenchmarkPlan1000 measures the parts of a no-op plan of 1,000 domains:
// each backend's bulk read, the zones' read, the whole refresh, and Diff.
func BenchmarkPlan1000(b *testing.B) {
	cfg, want, provs := applied(b, 1000)
	ctx := context.Background()
	b.Run("backend-read-sqlite", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, m := range provs.Mail {
				if _, err := m.Read(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("refresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Refresh(ctx, cfg, provs, RefreshOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	live, err := Refresh(ctx, cfg, provs, RefreshOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("diff", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := Diff(cfg, want, live)
			if err != nil {
				b.Fatal(err)
			}
			if len(p.Changes) != 0 {
				b.Fatalf("the plan after apply has %d changes", len(p.Changes))
			}
		}
	})
}

// BenchmarkRender renders (reconcile/render) the plan that creates a reseller of 1,000
// domains from nothing: about 25,000 changes.
func BenchmarkRender(b *testing.B) {
	dir := b.TempDir()
	if _, err := synth.Generate(dir, synth.Spec{Domains: 1000, Mailboxes: 10, Aliases: 2, Format: "hcl", Seed: 1}); err != nil {
		b.Fatal(err)
	}
	cfg, _, checksum, diags := schema.Load(dir)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	env := schema.Environment{LookupEnv: os.LookupEnv}
	provs, err := Open(context.Background(), cfg, env)
	if err != nil {
		b.Fatal(err)
	}
	defer provs.Close()
	p, _, d, err := MakePlan(context.Background(), cfg, checksum, env, provs, PlanOptions{})
	if err != nil || d.HasErrors() {
		b.Fatal(err, d)
	}
	b.Run("text", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := render.Text(io.Discard, p, render.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := render.JSON(io.Discard, p, "bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("markdown", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			render.Markdown(p, 65000)
		}
	})
}
