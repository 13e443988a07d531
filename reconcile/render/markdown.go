package render

import (
	"fmt"
	"strings"

	"github.com/mailform/mailform/reconcile"
)

// MaxComment is the size past which Markdown output is split into parts: a
// GitHub comment holds 65,536 characters.
const MaxComment = 65000

// PartBreak separates the parts of Markdown output, so that a CI step can
// post each as a comment of its own.
const PartBreak = "<!-- mailform: part break -->"

// Markdown writes a plan for a pull-request comment: a summary table, each
// change in a collapsed diff block, notes and safety warnings. Output longer
// than max characters is split into parts, each a complete comment headed
// "part i of n"; a change is never cut in two.
func Markdown(p *reconcile.Plan, max int) []string {
	if max <= 0 {
		max = MaxComment
	}
	n := p.Count()
	title := fmt.Sprintf("mailform plan: %d to add, %d to change, %d to destroy", n.Add, n.Change, n.Destroy)
	if p.Empty() {
		title = "mailform plan: no changes"
	}
	budget := max - len(title) - 64
	var blocks []string
	if !p.Empty() {
		// The summary table, in pieces that each fit a part.
		const header = "| | address | object |\n|---|---|---|\n"
		var t strings.Builder
		for _, c := range p.Changes {
			row := fmt.Sprintf("| `%c` | `%s` | %s %s |\n", c.Action, c.Address, c.Kind, mdEscape(c.Name))
			if t.Len() > 0 && t.Len()+len(row) > budget/2 {
				blocks = append(blocks, t.String())
				t.Reset()
			}
			if t.Len() == 0 {
				t.WriteString(header)
			}
			t.WriteString(row)
		}
		blocks = append(blocks, t.String())
		cw := &changeWriter{}
		for _, c := range p.Changes {
			var d strings.Builder
			cw.write(&d, c)
			diff := diffSyntax(d.String())
			if len(diff) > budget-200 {
				cut := strings.LastIndex(diff[:budget-200], "\n")
				diff = diff[:cut+1] + "  … (cut here: the full plan is in the CI log)\n"
			}
			blocks = append(blocks, fmt.Sprintf("<details><summary><code>%c %s</code></summary>\n\n```diff\n%s```\n\n</details>\n", c.Action, c.Address, diff))
		}
	}
	var extra strings.Builder
	writeNotes(&extra, p)
	writeSafety(&extra, p, false)
	// Notes and warnings, in fenced pieces that each fit a part.
	var fence strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimLeft(extra.String(), "\n"), "\n") {
		if line == "" {
			continue
		}
		if fence.Len() > 0 && fence.Len()+len(line) > budget/2 {
			blocks = append(blocks, "```\n"+fence.String()+"```\n")
			fence.Reset()
		}
		fence.WriteString(line)
	}
	if fence.Len() > 0 {
		blocks = append(blocks, "```\n"+fence.String()+"```\n")
	}
	// Pack blocks into parts, leaving room for the part heading.
	var parts []string
	var cur strings.Builder
	for _, blk := range blocks {
		if cur.Len()+len(blk)+1 > budget && cur.Len() > 0 {
			parts = append(parts, cur.String())
			cur.Reset()
		}
		cur.WriteString(blk + "\n")
	}
	parts = append(parts, cur.String())
	out := make([]string, len(parts))
	for i, body := range parts {
		head := "### " + title + "\n\n"
		if len(parts) > 1 {
			head = fmt.Sprintf("### %s (part %d of %d)\n\n", title, i+1, len(parts))
		}
		out[i] = head + body
	}
	return out
}

// diffSyntax moves each line's glyph to the first column, where a diff
// block colours it: + and - as they are, ~ and ± as !.
func diffSyntax(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		for glyph, mark := range map[string]string{"+ ": "+", "- ": "-", "~ ": "!", "± ": "!"} {
			if strings.HasPrefix(trimmed, glyph) && indent > 0 {
				line = mark + line[1:]
				break
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

func mdEscape(s string) string {
	return mdEscaper.Replace(s)
}

var mdEscaper = strings.NewReplacer("|", `\|`, "`", "'", "<", "&lt;", ">", "&gt;")
