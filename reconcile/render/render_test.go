package render

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	goldenfile "github.com/mailform/mailform/internal/golden"
	"github.com/mailform/mailform/reconcile"
)

func golden(t *testing.T, path, got string) { t.Helper(); goldenfile.Check(t, path, got) }

// samplePlan has one change of every shape, notes and safety warnings.
func samplePlan() *reconcile.Plan {
	return &reconcile.Plan{
		FormatVersion: reconcile.FormatVersion,
		Changes: []*reconcile.Change{
			(&reconcile.Change{Address: "tenant.acme", Kind: reconcile.KindTenant, Action: reconcile.Create, Name: "acme", Provider: "default"}).
				WithFields(reconcile.Field{Name: "display_name", After: "ACME"}, reconcile.Field{Name: "max_quota", After: "25GB"}),
			(&reconcile.Change{Address: "tenant.acme/domain.acme.example/mailbox.info", Kind: reconcile.KindMailbox, Action: reconcile.Update, Name: "info@acme.example", Provider: "default"}).
				WithFields(reconcile.Field{Name: "quota", Before: "8GB", After: "16GB"}, reconcile.Field{Name: "password", Before: "(sensitive)", After: "(sensitive)", Sensitive: true},
					reconcile.Field{Name: "services", Before: []string{"imap", "pop3"}, After: []string{"imap"}}),
			{Address: "tenant.acme/domain.acme.example/dns_zone.acme.example", Kind: reconcile.KindZone, Action: reconcile.Create, Name: "acme.example", Provider: "zones", Zone: "acme.example."},
			(&reconcile.Change{Address: "tenant.acme/domain.acme.example/dns.MX.@", Kind: reconcile.KindRecords, Action: reconcile.Update, Name: "acme.example MX", Provider: "zones", Zone: "acme.example."}).
				WithFields(reconcile.Field{Name: "records", Before: []string{"acme.example.\t3600\tIN\tMX\t10 mx.old.example.", "acme.example.\t3600\tIN\tMX\t20 mx2.example.net."},
					After: []string{"acme.example.\t3600\tIN\tMX\t10 mx1.example.net.", "acme.example.\t3600\tIN\tMX\t20 mx2.example.net."}}),
			(&reconcile.Change{Address: "tenant.old/domain.old.example/mailbox.bob", Kind: reconcile.KindMailbox, Action: reconcile.Delete, Name: "bob@old.example", Provider: "default", Destroys: true}).
				WithFields(reconcile.Field{Name: "quota", Before: "8GB"}, reconcile.Field{Name: "active", Before: true}),
			(&reconcile.Change{Address: "tenant.old/domain.old.example/mailbox.carol", Kind: reconcile.KindMailbox, Action: reconcile.Delete, Name: "carol@old.example", Provider: "default", Destroys: true,
				PurgeAfter: "30d"}).WithFields(reconcile.Field{Name: "quota", Before: "8GB"}, reconcile.Field{Name: "active", Before: true}),
		},
		Notes: []*reconcile.Note{
			{Address: "tenant.acme/domain.shop.example", Kind: "unmanaged_dns", Text: "The DNS of shop.example is not managed by mailform: publish these records in its zone.",
				Records: []string{"shop.example.\t3600\tIN\tMX\t10 mail.shop.example."}},
		},
		Zones:           []*reconcile.ZoneSummary{{Provider: "zones", Zone: "acme.example.", Existing: 12, Changed: 5, ThresholdPercent: 30, MinRecords: 10, NeedsForce: true}},
		ConfigChecksum:  "sha256:c0ffee",
		LiveFingerprint: "f00d",
	}
}

func TestTextGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, samplePlan(), Options{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/plan.txt", b.String())

	var c bytes.Buffer
	Text(&c, samplePlan(), Options{Color: true})
	if !strings.Contains(c.String(), "\x1b[32m+\x1b[0m") {
		t.Error("no colour when asked for")
	}
	var e bytes.Buffer
	Text(&e, &reconcile.Plan{}, Options{})
	if e.String() != "No changes. The backends and zones match the config.\n" {
		t.Errorf("empty plan: %q", e.String())
	}
}

func TestJSONGolden(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, samplePlan(), "v1.0.0"); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/plan.json", b.String())
	var back JSONPlan
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Summary.Add != 2 || back.Summary.Change != 2 || back.Summary.Destroy != 2 || len(back.Safety.NeedsAllowDestroy) != 2 {
		t.Errorf("summary %+v safety %+v", back.Summary, back.Safety)
	}
}

func TestMarkdownGolden(t *testing.T) {
	parts := Markdown(samplePlan(), MaxComment)
	if len(parts) != 1 {
		t.Fatalf("%d parts", len(parts))
	}
	golden(t, "testdata/plan.md", parts[0])
}

// Past the limit, Markdown comes in parts, each within it, each headed,
// none cutting a change in two.
func TestMarkdownSplits(t *testing.T) {
	p := samplePlan()
	for i := 0; i < 400; i++ {
		c := *p.Changes[1]
		c.Address = strings.Replace(c.Address, "mailbox.info", "mailbox.user"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strconv.Itoa(i), 1)
		p.Changes = append(p.Changes, &c)
	}
	const max = 8000
	parts := Markdown(p, max)
	if len(parts) < 3 {
		t.Fatalf("%d parts", len(parts))
	}
	for i, part := range parts {
		if len(part) > max {
			t.Errorf("part %d is %d characters", i+1, len(part))
		}
		if !strings.HasPrefix(part, "### mailform plan: ") || !strings.Contains(strings.SplitN(part, "\n", 2)[0], "of "+strconv.Itoa(len(parts))+")") {
			t.Errorf("part %d heading: %q", i+1, strings.SplitN(part, "\n", 2)[0])
		}
		if strings.Count(part, "```")%2 != 0 || strings.Count(part, "<details>") != strings.Count(part, "</details>") {
			t.Errorf("part %d cuts a block in two", i+1)
		}
	}
	joined := strings.Join(parts, "")
	for _, c := range p.Changes {
		if !strings.Contains(joined, "<code>"+string(c.Action)+" "+c.Address+"</code>") {
			t.Fatalf("%s is missing from the parts", c.Address)
		}
	}
}
