package render

import (
	"fmt"
	"html"
	"strings"

	"github.com/mailform/mailform/reconcile/plan"
)

// MaxComment is the size past which Markdown output is split into parts: a
// GitHub comment holds 65,536 characters.
const MaxComment = 65000

// PartBreak separates the parts of Markdown output, so that a CI step can
// post each as a comment of its own.
const PartBreak = "<!-- mailform: part break -->"

// quotedPartBreak is PartBreak where a plan's text holds it.
const quotedPartBreak = "<!-- mailform: part break (quoted) -->"

// Markdown writes a plan for a pull-request comment: a summary table, each
// change in a collapsed diff block, notes and safety warnings. Output longer
// than max characters is split into parts, each a complete comment headed
// "part i of n"; a change is never cut in two.
func Markdown(p *plan.Plan, max int) []string {
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
			row := fmt.Sprintf("| `%c` | %s | %s %s |\n", c.Action, mdCode(c.Address), c.Kind, mdEscape(clean(c.Name)))
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
			f := fence(diff)
			blocks = append(blocks, fmt.Sprintf("<details><summary><code>%c %s</code></summary>\n\n%sdiff\n%s%s\n\n</details>\n", c.Action, html.EscapeString(clean(c.Address)), f, diff, f))
		}
	}
	var extra strings.Builder
	writeNotes(&extra, p)
	writeSafety(&extra, p, false)
	// Notes and warnings, in fenced pieces that each fit a part.
	var piece strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimLeft(extra.String(), "\n"), "\n") {
		if line == "" {
			continue
		}
		if piece.Len() > 0 && piece.Len()+len(line) > budget/2 {
			blocks = append(blocks, fenced(piece.String()))
			piece.Reset()
		}
		piece.WriteString(line)
	}
	if piece.Len() > 0 {
		blocks = append(blocks, fenced(piece.String()))
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
		// Only the separators between parts may read as one: text of the
		// plan that does is quoted.
		body = strings.ReplaceAll(body, PartBreak, quotedPartBreak)
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

var mdEscaper = strings.NewReplacer("|", `\|`, "`", "'", "<", "&lt;", ">", "&gt;", "\\", `\\`, "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`)

// mdCode writes s as a code span in a table cell: a backtick cannot end
// the span, and a bar cannot end the cell (GitHub reads \| as a bar of
// the text, even in a code span, and \\ as a backslash before one).
func mdCode(s string) string {
	return "`" + mdCodeEscaper.Replace(clean(s)) + "`"
}

var mdCodeEscaper = strings.NewReplacer("`", "'", "|", `\|`, `\`, `\\`)

// fence is the code fence for a block of text: three backticks, or one
// more than the longest run of backticks in the text, so that nothing the
// text holds can close the block early (CommonMark closes a fence only on
// a run at least as long as the one that opened it).
func fence(text string) string {
	longest, run := 0, 0
	for i := 0; i < len(text); i++ {
		if text[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// fenced puts text, which ends in a line break, in a code block.
func fenced(text string) string {
	f := fence(text)
	return f + "\n" + text + f + "\n"
}
