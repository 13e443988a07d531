package schema_test

import (
	"fmt"
	"testing"

	"github.com/mailform/mailform/internal/synth"
	"github.com/mailform/mailform/schema"
)

// BenchmarkLoad loads and validates a generated reseller of 1,000 domains
// and 10,000 mailboxes in each syntax.
func BenchmarkLoad(b *testing.B) {
	for _, format := range []string{"hcl", "yaml"} {
		b.Run(fmt.Sprintf("%s-1000", format), func(b *testing.B) {
			dir := b.TempDir()
			if _, err := synth.Generate(dir, synth.Spec{Domains: 1000, Mailboxes: 10, Aliases: 2, Format: format, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, _, diags := schema.Load(dir); diags.HasErrors() {
					b.Fatal(diags.Error())
				}
			}
		})
	}
}
