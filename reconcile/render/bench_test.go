package render

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/mailform/mailform/internal/synth"
	_ "github.com/mailform/mailform/providers/dns/zonefile" // the zone-file DNS provider
	_ "github.com/mailform/mailform/providers/mail/sql"     // the SQLite backend
	"github.com/mailform/mailform/reconcile"
	"github.com/mailform/mailform/schema"
)

// BenchmarkRender renders the plan that creates a reseller of 1,000
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
	provs, err := reconcile.Open(context.Background(), cfg, env)
	if err != nil {
		b.Fatal(err)
	}
	defer provs.Close()
	p, _, d, err := reconcile.MakePlan(context.Background(), cfg, checksum, env, provs, reconcile.PlanOptions{})
	if err != nil || d.HasErrors() {
		b.Fatal(err, d)
	}
	b.Run("text", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := Text(io.Discard, p, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := JSON(io.Discard, p, "bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("markdown", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Markdown(p, 65000)
		}
	})
}
