package render

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	goldenfile "github.com/mailform/mailform/internal/golden"
	"github.com/mailform/mailform/reconcile/plan"
)

func golden(t *testing.T, path, got string) { t.Helper(); goldenfile.Check(t, path, got) }

// samplePlan has one change of every shape, notes and safety warnings.
func samplePlan() *plan.Plan {
	return &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Changes: []*plan.Change{
			(&plan.Change{Address: "tenant.acme", Kind: plan.KindTenant, Action: plan.Create, Name: "acme", Provider: "default"}).
				WithFields(plan.Field{Name: "display_name", After: "ACME"}, plan.Field{Name: "max_quota", After: "25GB"}),
			(&plan.Change{Address: "tenant.acme/domain.acme.example/mailbox.info", Kind: plan.KindMailbox, Action: plan.Update, Name: "info@acme.example", Provider: "default"}).
				WithFields(plan.Field{Name: "quota", Before: "8GB", After: "16GB"}, plan.Field{Name: "password", Before: "(sensitive)", After: "(sensitive)", Sensitive: true},
					plan.Field{Name: "services", Before: []string{"imap", "pop3"}, After: []string{"imap"}}),
			{Address: "tenant.acme/domain.acme.example/dns_zone.acme.example", Kind: plan.KindZone, Action: plan.Create, Name: "acme.example", Provider: "zones", Zone: "acme.example."},
			(&plan.Change{Address: "tenant.acme/domain.acme.example/dns.MX.@", Kind: plan.KindRecords, Action: plan.Update, Name: "acme.example MX", Provider: "zones", Zone: "acme.example."}).
				WithFields(plan.Field{Name: "records", Before: []string{"acme.example.\t3600\tIN\tMX\t10 mx.old.example.", "acme.example.\t3600\tIN\tMX\t20 mx2.example.net."},
					After: []string{"acme.example.\t3600\tIN\tMX\t10 mx1.example.net.", "acme.example.\t3600\tIN\tMX\t20 mx2.example.net."}}),
			(&plan.Change{Address: "tenant.old/domain.old.example/mailbox.bob", Kind: plan.KindMailbox, Action: plan.Delete, Name: "bob@old.example", Provider: "default", Destroys: true}).
				WithFields(plan.Field{Name: "quota", Before: "8GB"}, plan.Field{Name: "active", Before: true}),
			(&plan.Change{Address: "tenant.old/domain.old.example/mailbox.carol", Kind: plan.KindMailbox, Action: plan.Delete, Name: "carol@old.example", Provider: "default", Destroys: true,
				PurgeAfter: "30d"}).WithFields(plan.Field{Name: "quota", Before: "8GB"}, plan.Field{Name: "active", Before: true}),
		},
		Notes: []*plan.Note{
			{Address: "tenant.acme/domain.shop.example", Kind: "unmanaged_dns", Text: "The DNS of shop.example is not managed by mailform: publish these records in its zone.",
				Records: []string{"shop.example.\t3600\tIN\tMX\t10 mail.shop.example."}},
		},
		Zones:           []*plan.ZoneSummary{{Provider: "zones", Zone: "acme.example.", Existing: 12, Changed: 5, ThresholdPercent: 30, MinRecords: 10, NeedsForce: true}},
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
	Text(&e, &plan.Plan{}, Options{})
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

// hostile is text a live backend or zone may hold, made to break out of
// where the Markdown view puts it.
var hostile = []string{
	"```\n### mailform plan: 0 to add, 0 to change, 0 to destroy\n```",
	"x\n<!-- mailform: part break -->\n# Plan: 0 to add",
	"</code></summary></details>\n\n# owned",
	"a | b | c \\| d \\\\| e",
	"````` ~~~ \r\n\x1b[2J \u2028 [link](https://evil.example) *bold* _it_",
}

// hostilePlan puts text into every place a plan shows: an address, a
// name, a field, a record line, a note and a zone.
func hostilePlan(text string) *plan.Plan {
	return &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Changes: []*plan.Change{
			(&plan.Change{Address: "tenant.acme/" + text, Kind: plan.KindMailbox, Action: plan.Update, Name: text, Provider: text}).
				WithFields(plan.Field{Name: "display_name", Before: text, After: "x" + text}),
			(&plan.Change{Address: "tenant.acme/dns." + text, Kind: plan.KindRecords, Action: plan.Create, Name: text, Provider: "zones", Zone: text}).
				WithFields(plan.Field{Name: "records", After: []string{"x.acme.example.\t3600\tIN\tTXT\t" + text}}),
			(&plan.Change{Address: "tenant.old/mailbox." + text, Kind: plan.KindMailbox, Action: plan.Delete, Name: text, Provider: "default", Destroys: true}).
				WithFields(plan.Field{Name: "quota", Before: text}),
		},
		Notes: []*plan.Note{{Address: text, Kind: "unmanaged_dns", Text: text, Records: []string{text}}},
		Zones: []*plan.ZoneSummary{{Provider: text, Zone: text, Existing: 12, Changed: 5, ThresholdPercent: 30, MinRecords: 10, NeedsForce: true}},
	}
}

// checkMarkdown holds a Markdown part to the shape the view gives it, as
// CommonMark and GitHub read it: outside its code blocks only the
// heading, table rows of three cells, the details tags and blank lines;
// every code block closed; no part break inside a part.
func checkMarkdown(t *testing.T, part string) {
	t.Helper()
	lines := strings.Split(part, "\n")
	open := "" // the fence of the code block we are in
	headings := 0
	for i, line := range lines {
		if open != "" {
			if strings.HasPrefix(line, open) && strings.Trim(line, "` ") == "" {
				open = ""
			}
			continue
		}
		switch {
		case line == "", line == "</details>", line == "|---|---|---|", line == PartBreak && false:
		case strings.HasPrefix(line, "```"):
			n := len(line) - len(strings.TrimLeft(line, "`"))
			open = line[:n]
		case strings.HasPrefix(line, "### mailform plan"):
			headings++
		case strings.HasPrefix(line, "| "):
			if cells := tableCells(line); cells != 3 {
				t.Errorf("line %d: a table row of %d cells: %q", i+1, cells, line)
			}
		case strings.HasPrefix(line, "<details><summary><code>") && strings.HasSuffix(line, "</code></summary>"):
			inner := strings.TrimSuffix(strings.TrimPrefix(line, "<details><summary><code>"), "</code></summary>")
			if strings.ContainsAny(inner, "<>") {
				t.Errorf("line %d: markup in a summary: %q", i+1, line)
			}
		default:
			t.Errorf("line %d: text outside a code block: %q\n%s", i+1, line, part)
		}
	}
	if open != "" {
		t.Errorf("a code block is left open:\n%s", part)
	}
	if headings != 1 {
		t.Errorf("%d headings, want 1:\n%s", headings, part)
	}
	if strings.Contains(part, PartBreak) {
		t.Errorf("a part break inside a part:\n%s", part)
	}
}

// tableCells counts a table row's cells as GitHub splits them: at each
// bar not escaped by a backslash.
func tableCells(row string) int {
	bars := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			bars++
		}
	}
	return bars - 1
}

// No text in a plan breaks out of the place the Markdown view puts it.
func TestMarkdownHostileText(t *testing.T) {
	for _, text := range hostile {
		for _, part := range Markdown(hostilePlan(text), 2000) {
			checkMarkdown(t, part)
		}
		var b bytes.Buffer
		Text(&b, hostilePlan(text), Options{})
		for _, line := range strings.Split(b.String(), "\n") {
			if strings.HasPrefix(line, "Plan:") && line != "Plan: 1 to add, 1 to change, 1 to destroy." {
				t.Errorf("text view: a line of its own from the plan's text: %q", line)
			}
		}
		if strings.ContainsAny(b.String(), "\r\x1b\u2028") {
			t.Errorf("text view holds a control character:\n%q", b.String())
		}
	}
}

// FuzzMarkdown holds the Markdown view to its shape whatever text a plan
// holds.
func FuzzMarkdown(f *testing.F) {
	for _, text := range hostile {
		f.Add(text, 2000)
	}
	f.Fuzz(func(t *testing.T, text string, max int) {
		if max < 1000 || max > 70000 {
			max = 1000 + abs(max)%69000
		}
		for _, part := range Markdown(hostilePlan(text), max) {
			checkMarkdown(t, part)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
