// Package render shows a plan to people and machines: as text for a
// terminal or a CI log, as JSON, and as Markdown for a pull-request comment.
// It reads the plan's data and nothing else: rendering twice gives the same
// output, and the reason shown never drives apply.
package render

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/mailform/mailform/reconcile/plan"
)

// Options tune the text view.
type Options struct {
	Color bool // ANSI colours, for a terminal
}

var glyphColor = map[plan.Action]string{
	plan.Create:  "32",
	plan.Update:  "33",
	plan.Delete:  "31",
	plan.Replace: "35",
}

func paint(on bool, code, s string) string {
	if !on || code == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// appendPainted appends the parts as paint would colour their whole.
func appendPainted(out []byte, on bool, code string, parts ...string) []byte {
	on = on && code != ""
	if on {
		out = append(append(append(out, "\x1b["...), code...), 'm')
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	if on {
		out = append(out, "\x1b[0m"...)
	}
	return out
}

// verb says what happens to an object, for the comment above it.
func verb(c *plan.Change) string {
	switch c.Action {
	case plan.Create:
		return "will be created"
	case plan.Update:
		return "will be updated in place"
	case plan.Delete:
		switch {
		case c.Kind != plan.KindMailbox:
		case c.PurgeAfter == "0d":
			return "will be retired: logins and delivery stop, its mail is purged by the next mailform purge on the mail host"
		case c.PurgeAfter != "":
			return "will be retired: logins and delivery stop, its mail is purged " + c.PurgeAfter + " after this apply by mailform purge on the mail host"
		default:
			return "will be retired: logins and delivery stop, its mail stays on disk"
		}
		return "will be destroyed"
	}
	return "will be replaced"
}

// Text writes a plan as a person reads it in a terminal or a CI log.
func Text(w io.Writer, p *plan.Plan, opt Options) error {
	b := bufio.NewWriterSize(w, 64<<10)
	if p.Empty() {
		b.WriteString("No changes. The backends and zones match the config.\n")
	} else {
		b.WriteString("mailform will perform these actions:\n")
		cw := &changeWriter{color: opt.Color}
		for _, c := range p.Changes {
			b.WriteString("\n")
			cw.write(b, c)
		}
	}
	writeNotes(b, p)
	writeSafety(b, p, opt.Color)
	if !p.Empty() {
		n := p.Count()
		fmt.Fprintf(b, "\n%s %d to add, %d to change, %d to destroy.\n", paint(opt.Color, "1", "Plan:"), n.Add, n.Change, n.Destroy)
	}
	return b.Flush()
}

// textWriter is where the text view is written: a buffered output, or a
// builder for one of the Markdown view's parts.
type textWriter interface {
	io.Writer
	io.StringWriter
}

// changeWriter writes changes one by one. Each line is put together in
// one buffer and written whole, and the buffer and the list of a change's
// fields serve every change: a plan of a first import has hundreds of
// thousands of changes.
type changeWriter struct {
	color  bool
	line   []byte
	fields []plan.Field
}

// write writes one change.
func (cw *changeWriter) write(b textWriter, c *plan.Change) {
	line := append(cw.line[:0], "  "...)
	defer func() { cw.line = line[:0] }()
	comment := [...]string{"# ", clean(c.Address), " ", verb(c), 8: ""}
	switch {
	case c.Zone != "":
		copy(comment[4:], []string{" (zone ", clean(strings.TrimSuffix(c.Zone, ".")), " at ", clean(c.Provider), ")"})
	case c.Provider != "":
		copy(comment[4:], []string{" (backend ", clean(c.Provider), ")"})
	}
	line = appendPainted(line, cw.color, "2", comment[:]...)
	line = append(line, '\n')
	line = append(line, "  "...)
	line = appendPainted(line, cw.color, glyphColor[c.Action], string(c.Action))
	line = append(line, ' ')
	line = append(line, c.Kind...)
	line = append(line, ' ')
	line = strconv.AppendQuote(line, c.Name)
	if c.Kind == plan.KindZone {
		line = append(line, '\n')
		b.Write(line)
		return
	}
	line = append(line, " {\n"...)
	b.Write(line)
	clear(cw.fields) // let go of the last change's values
	cw.fields = c.AppendFields(cw.fields[:0])
	if c.Kind == plan.KindRecords {
		line = writeRecords(b, cw.fields, cw.color, line[:0])
	} else {
		line = writeFields(b, c.Action, cw.fields, cw.color, line[:0])
	}
	b.WriteString("    }\n")
}

func writeFields(b textWriter, action plan.Action, fs []plan.Field, color bool, line []byte) []byte {
	width := 0
	for _, f := range fs {
		width = max(width, len(f.Name))
	}
	for _, f := range fs {
		g := plan.Update // a value that changes: ~
		if f.Sensitive || action == plan.Create || action == plan.Delete {
			g = action
		}
		line = append(line[:0], "      "...)
		line = appendPainted(line, color, glyphColor[g], string(g))
		line = append(line, ' ')
		line = append(line, clean(f.Name)...)
		for range width - len(f.Name) {
			line = append(line, ' ')
		}
		line = append(line, " = "...)
		switch {
		case f.Sensitive:
			line = append(line, "(sensitive)"...)
		case action == plan.Create:
			line = appendValue(line, f.After)
		case action == plan.Delete:
			line = appendValue(line, f.Before)
		default:
			line = appendValue(line, f.Before)
			line = append(line, " -> "...)
			line = appendValue(line, f.After)
		}
		line = append(line, '\n')
		b.Write(line)
	}
	return line
}

// writeRecords shows a record change line by line: records that go, that
// come, and that stay.
func writeRecords(b textWriter, fs []plan.Field, color bool, line []byte) []byte {
	if len(fs) == 0 {
		return line
	}
	before, after := strings2(fs[0].Before), strings2(fs[0].After)
	in := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	record := func(g plan.Action, l string) {
		if g == 0 {
			line = append(line[:0], "        "...)
		} else {
			line = append(line[:0], "      "...)
			line = appendPainted(line, color, glyphColor[g], string(g))
			line = append(line, ' ')
		}
		for i := range len(l) {
			if l[i] == '\t' {
				line = append(line, ' ')
			} else {
				line = append(line, l[i])
			}
		}
		if hasControl(l) {
			line = append(line[:len(line)-len(l)], clean(strings.ReplaceAll(l, "\t", " "))...)
		}
		line = append(line, '\n')
		b.Write(line)
	}
	for _, l := range before {
		if !in(after, l) {
			record(plan.Delete, l)
		}
	}
	for _, l := range after {
		if in(before, l) {
			record(0, l)
		} else {
			record(plan.Create, l)
		}
	}
	return line
}

// strings2 reads a list of strings from a plan field, however it was
// decoded.
func strings2(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// Value writes a field value as the config would: "text", 10, true,
// ["a", "b"], null.
func Value(v any) string { return string(appendValue(nil, v)) }

// appendValue appends a field's value as Value shows it.
func appendValue(out []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(out, "null"...)
	case string:
		return strconv.AppendQuote(out, x)
	case []string, []any:
		out = append(out, '[')
		for i, s := range strings2(x) {
			if i > 0 {
				out = append(out, ", "...)
			}
			out = strconv.AppendQuote(out, s)
		}
		return append(out, ']')
	case bool:
		return strconv.AppendBool(out, x)
	case int:
		return strconv.AppendInt(out, int64(x), 10)
	case int64:
		return strconv.AppendInt(out, x, 10)
	case float64:
		if x == float64(int64(x)) {
			return strconv.AppendInt(out, int64(x), 10)
		}
	}
	return fmt.Append(out, v)
}

func writeNotes(b textWriter, p *plan.Plan) {
	writeProofs(b, p)
	if len(p.Notes) == 0 {
		return
	}
	b.WriteString("\nNotes:\n")
	for _, n := range p.Notes {
		fmt.Fprintf(b, "  - %s: %s\n", clean(n.Address), clean(n.Text))
		for _, r := range n.Records {
			fmt.Fprintf(b, "        %s\n", clean(r))
		}
	}
}

// writeProofs says which DKIM keys wait for their record, and which
// domains for their ownership proof.
func writeProofs(b textWriter, p *plan.Plan) {
	writeProofList(b, p.DKIM, "DKIM keys: each is stored without signing, and signs once every authoritative\nserver answers its record; until then the key that signed before signs on:\n",
		"its owner publishes it (mailform records shows it); apply looks once",
		func(pr *plan.Proof) string { return pr.Selector + "._domainkey" })
	writeProofList(b, p.Proofs, "Ownership proof: each of these domains is written pending, and activated with its\nmailboxes once every authoritative server answers its record:\n",
		"its owner publishes it; apply looks once",
		func(pr *plan.Proof) string { return pr.Record })
}

// writeProofList writes a list of proofs under its heading: each domain,
// what it waits for, and who publishes it.
func writeProofList(b textWriter, proofs []*plan.Proof, heading, looked string, what func(*plan.Proof) string) {
	if len(proofs) == 0 {
		return
	}
	b.WriteString("\n" + heading)
	for _, pr := range proofs {
		how := looked
		if pr.Wait() {
			how = "published by dns_provider " + strconv.Quote(pr.Provider) + "; apply waits for it"
		}
		fmt.Fprintf(b, "  - %s: %s\n        (%s)\n", clean(pr.Domain), clean(what(pr)), clean(how))
	}
}

func writeSafety(b textWriter, p *plan.Plan, color bool) {
	d, z := p.Destroys(), p.ForceNeeded()
	if len(d) == 0 && len(z) == 0 {
		return
	}
	b.WriteString("\n" + paint(color, "1;31", "Safety:") + "\n")
	names := make([]string, 0, len(d))
	for _, c := range d {
		name := clean(fmt.Sprintf("%s %s", c.Kind, c.Name))
		if c.PurgeAfter != "" {
			name += " (its mail purged " + c.PurgeAfter + " after)"
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(b, "  ! %s is destroyed: apply needs --allow-destroy\n", n)
	}
	for _, s := range z {
		fmt.Fprintf(b, "  ! zone %s at %s: %d of its %d records updated or deleted, more than %d%%: apply needs --force\n",
			clean(strings.TrimSuffix(s.Zone, ".")), clean(s.Provider), s.Changed, s.Existing, s.ThresholdPercent)
	}
}

// clean writes the control characters of a text shown to people, but
// tabs, as Go escapes (\n, \x1b): a name or value read from a live backend or zone
// may hold any byte, and none may start a line of its own or drive the
// terminal or the Markdown around it.
func clean(s string) string {
	if !hasControl(s) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' || r >= 0x7f && r < 0xa0 || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}
