package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"gopkg.in/yaml.v3"
)

// readYAML parses one YAML file into the syntax-neutral tree. A string that
// reads env("NAME") or file("path") is a secret reference, exactly as in HCL.
func readYAML(filename string, src []byte) (*node, hcl.Diagnostics) {
	pos := newPositions(filename, src)
	in := &lineReader{src: src}
	dec := yaml.NewDecoder(in)
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &node{kind: kindMap, pos: spanOf(pos.rangeAt(1, 1, 0))}, nil
		}
		return nil, hcl.Diagnostics{pos.yamlError(err, in.lines)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "more than one YAML document in a file",
			Detail:   "Keep one document per file; put the second one in a file of its own in the same directory.",
			Subject:  pos.rangeAt(extra.Line, extra.Column, 0).Ptr(),
		}}
	} else if !errors.Is(err, io.EOF) {
		return nil, hcl.Diagnostics{pos.yamlError(err, in.lines)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return &node{kind: kindMap, pos: spanOf(pos.rangeAt(1, 1, 0))}, nil
		}
		root = root.Content[0]
	}
	r := yamlReader{pos: pos, budget: aliasBudget(root)}
	n := r.node(root)
	if r.produced > r.budget {
		// What was read past the budget is not the file's: only that is said.
		for _, d := range r.diags {
			if strings.HasPrefix(d.Summary, "YAML aliases expand") {
				return nil, hcl.Diagnostics{d}
			}
		}
	}
	if n.kind == kindNull {
		return &node{kind: kindMap, pos: spanOf(n.rng())}, r.diags
	}
	if n.kind != kindMap {
		r.diags = append(r.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "a config file must be a mapping",
			Detail:   "Start the file with top-level keys such as platform:, reseller:, tenants:.",
			Subject:  n.rng().Ptr(),
		})
		return nil, r.diags
	}
	return n, r.diags
}

type yamlReader struct {
	pos   *positions
	diags hcl.Diagnostics
	depth int
	// An alias is read again at each use: produced counts the nodes read,
	// aliases and merge keys included, which may not pass budget (a file
	// of a few hundred bytes can otherwise expand to billions).
	produced, budget int
	expanding        *hcl.Range // the outermost alias being read, if any
}

// aliasBudget is how many nodes a document may expand to: ten times the
// nodes it writes, and ten thousand more, so that anchors for defaults
// stay free to use and an alias bomb stops at once.
func aliasBudget(root *yaml.Node) int {
	own := 0
	var count func(*yaml.Node)
	count = func(n *yaml.Node) {
		own++
		for _, c := range n.Content {
			count(c)
		}
	}
	count(root)
	return 10*own + 10000
}

// lineReader gives the YAML decoder one line at a time, so that when it
// fails, lines says how far it had read: the problem is not beyond.
type lineReader struct {
	src   []byte
	off   int
	lines int // lines delivered whole
}

func (r *lineReader) Read(p []byte) (int, error) {
	if r.off >= len(r.src) {
		return 0, io.EOF
	}
	end := len(r.src)
	if nl := bytes.IndexByte(r.src[r.off:], '\n'); nl >= 0 {
		end = r.off + nl + 1
	}
	n := copy(p, r.src[r.off:end])
	if r.off+n == end && r.src[end-1] == '\n' {
		r.lines++
	}
	r.off += n
	return n, nil
}

// knownTags are the tags a config may write explicitly.
var knownTags = map[string]bool{"!!str": true, "!!int": true, "!!float": true, "!!bool": true, "!!null": true, "!!map": true, "!!seq": true, "!!timestamp": true}

var refPattern = regexp.MustCompile(`^\s*(env|file)\s*\(\s*"([^"]*)"\s*\)\s*$`)

func (r *yamlReader) node(y *yaml.Node) *node {
	r.depth++
	defer func() { r.depth-- }()
	rng := r.pos.rangeAt(y.Line, y.Column, r.scalarWidth(y))
	if r.produced++; r.produced > r.budget {
		if r.produced == r.budget+1 {
			at := rng
			if r.expanding != nil {
				at = *r.expanding
			}
			r.diags = append(r.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("YAML aliases expand to more than %d nodes", r.budget),
				Detail:   "Anchors and aliases (and << merge keys) here expand to far more than the file writes. Write the values out, or reuse them less deeply.",
				Subject:  at.Ptr(),
			})
		}
		return &node{kind: kindNull, pos: spanOf(rng)}
	}
	if y.Style&yaml.TaggedStyle != 0 && !knownTags[y.ShortTag()] && !(y.Kind == yaml.ScalarNode && y.ShortTag() == "!!merge") {
		r.diags = append(r.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("YAML tag %s is not supported", y.Tag),
			Detail:   "A config takes no tags besides the standard !!str, !!int, !!float, !!bool, !!null, !!map and !!seq; it includes no other file (every file of the directory is read).",
			Subject:  rng.Ptr(),
		})
		return &node{kind: kindInvalid, pos: spanOf(rng)}
	}
	if r.depth > 200 {
		r.diags = append(r.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "YAML nested too deeply",
			Detail:   "A mailform config is a few levels deep; check for a recursive alias.",
			Subject:  rng.Ptr(),
		})
		return &node{kind: kindNull, pos: spanOf(rng)}
	}
	switch y.Kind {
	case yaml.AliasNode:
		if y.Alias == nil {
			return &node{kind: kindNull, pos: spanOf(rng)}
		}
		if r.expanding == nil {
			r.expanding = &rng
			defer func() { r.expanding = nil }()
		}
		return r.node(y.Alias)
	case yaml.MappingNode:
		n := &node{kind: kindMap, pos: spanOf(rng)}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				r.merge(n, v)
				continue
			}
			if k.Kind != yaml.ScalarNode {
				r.diags = append(r.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "a key must be a plain name",
					Detail:   "Write keys as name: value.",
					Subject:  r.pos.rangeAt(k.Line, k.Column, 1).Ptr(),
				})
				continue
			}
			n.entries = append(n.entries, &entry{
				key:    k.Value,
				keyPos: spanOf(r.pos.rangeAt(k.Line, k.Column, r.scalarWidth(k))),
				val:    r.node(v),
			})
		}
		return n
	case yaml.SequenceNode:
		n := &node{kind: kindList, pos: spanOf(rng)}
		for _, item := range y.Content {
			n.items = append(n.items, r.node(item))
		}
		return n
	case yaml.ScalarNode:
		return r.scalar(y, rng)
	}
	return &node{kind: kindNull, pos: spanOf(rng)}
}

// merge applies a YAML merge key (<<: *defaults): the merged entries come
// first, so that keys written beside the merge key win.
func (r *yamlReader) merge(into *node, v *yaml.Node) {
	sources := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		sources = v.Content
	}
	for _, s := range sources {
		m := r.node(s)
		if m.kind != kindMap {
			r.diags = append(r.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "<< must merge a mapping",
				Detail:   "Point the merge key at an anchored mapping: <<: *defaults.",
				Subject:  m.rng().Ptr(),
			})
			continue
		}
		into.entries = append(into.entries, m.entries...)
	}
}

func (r *yamlReader) scalar(y *yaml.Node, rng hcl.Range) *node {
	switch y.ShortTag() {
	case "!!null":
		return &node{kind: kindNull, pos: spanOf(rng)}
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(y.Value))
		if err == nil {
			return &node{kind: kindBool, pos: spanOf(rng), boolean: b}
		}
	case "!!int", "!!float":
		text := strings.ReplaceAll(y.Value, "_", "")
		if f, ok := new(big.Float).SetString(text); ok {
			return &node{kind: kindNumber, pos: spanOf(rng), num: f}
		}
		if i, err := strconv.ParseInt(text, 0, 64); err == nil {
			return &node{kind: kindNumber, pos: spanOf(rng), num: new(big.Float).SetInt64(i)}
		}
	}
	s := y.Value
	if m := refPattern.FindStringSubmatch(s); m != nil && y.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		return &node{kind: kindRef, pos: spanOf(rng), file: m[1] == "file", str: m[2]}
	}
	trimmed := strings.TrimSpace(s)
	for _, fn := range []string{"env", "file"} {
		if strings.HasPrefix(trimmed, fn+"(") {
			r.diags = append(r.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("%s() takes one quoted string", fn),
				Detail:   refUsage(fn),
				Subject:  rng.Ptr(),
			})
			return &node{kind: kindInvalid, pos: spanOf(rng)}
		}
	}
	return &node{kind: kindString, pos: spanOf(rng), str: s}
}

// scalarWidth is how many columns a one-line scalar takes in the source, so
// that a diagnostic can underline it.
func (r *yamlReader) scalarWidth(y *yaml.Node) int {
	if y.Kind != yaml.ScalarNode || strings.Contains(y.Value, "\n") {
		return 0
	}
	w := utf8.RuneCountInString(y.Value)
	if y.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		w += 2
	}
	return w
}

// positions converts YAML's line and column (in characters) to hcl.Pos,
// which also carries the byte offset.
type positions struct {
	filename string
	src      []byte
	lines    []int // byte offset of the start of each line
	reparsed int   // bytes parsed again to place an error
}

func newPositions(filename string, src []byte) *positions {
	p := &positions{filename: filename, src: src, lines: []int{0}}
	for i, c := range src {
		if c == '\n' {
			p.lines = append(p.lines, i+1)
		}
	}
	return p
}

func (p *positions) pos(line, col int) hcl.Pos {
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	if line > len(p.lines) {
		return hcl.Pos{Line: line, Column: col, Byte: len(p.src)}
	}
	off := p.lines[line-1]
	for c := 1; c < col && off < len(p.src) && p.src[off] != '\n'; c++ {
		_, size := utf8.DecodeRune(p.src[off:])
		off += size
	}
	return hcl.Pos{Line: line, Column: col, Byte: off}
}

func (p *positions) rangeAt(line, col, width int) hcl.Range {
	start := p.pos(line, col)
	return hcl.Range{Filename: p.filename, Start: start, End: p.pos(line, col+width)}
}

// line is the text of line n, counted from 1, without its line break.
func (p *positions) line(n int) []byte {
	if n < 1 || n > len(p.lines) {
		return nil
	}
	end := len(p.src)
	if n < len(p.lines) {
		end = p.lines[n] - 1
	}
	return p.src[p.lines[n-1]:end]
}

func indentOf(line []byte) int {
	n := 0
	for n < len(line) && line[n] == ' ' {
		n++
	}
	return n
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// splitYAMLError cuts yaml.v3's message into the line it names (0 for
// none) and the problem.
func splitYAMLError(err error) (int, string) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// parserProblem tells the errors of yaml.v3's parser from those of its
// scanner: their lines are counted differently.
func parserProblem(msg string) bool {
	return strings.HasPrefix(msg, "did not find expected ") || strings.HasPrefix(msg, "found duplicate %") ||
		msg == "found incompatible YAML document" || msg == "found undefined tag handle"
}

var unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// locate finds the line of a YAML syntax error in time linear in the
// file. yaml.v3 names, for a scanner error, the line of the token, counted
// from 1; for a parser error, the line where the enclosing collection
// starts, counted from 0, or, when that is the first line, the line of the
// problem, or none. delivered is how many lines the decoder had read when
// it failed: the problem is not beyond the next.
//
// A parser error is followed into its collection: the collection's first
// line, the lines that open what encloses the last lines read, and those
// last lines are parsed again as a document of their own, in which the
// collection starts the document, so that yaml.v3 names the problem's
// line. The text parsed again is a few lines, whatever the file's size.
func (p *positions) locate(err error, delivered int) int {
	printed, msg := splitYAMLError(err)
	last := min(delivered+1, len(p.lines))
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		for n := 1; n <= last; n++ {
			if bytes.Contains(p.line(n), []byte("*"+m[1])) {
				return n
			}
		}
		return last
	}
	if !parserProblem(msg) {
		return max(printed, 1)
	}
	at := printed + 1
	if strings.Contains(msg, "',' or") {
		return at // an unclosed [ or {: its line is where to look
	}
	for range 16 {
		wp, lines := p.reproduce(at, last, msg)
		if wp <= 0 || wp >= len(lines) || lines[wp] <= at {
			return at // cut from what encloses it, the problem's line parses
		}
		at = lines[wp]
	}
	return at
}

// reproduce parses skeletons of the lines from to to, with tails of 4,
// 16, 64… lines, until one fails with msg, and returns the line its error
// names (counted from 0 in the skeleton; -1 when none failed so) and the
// skeleton's lines. The tails grow fourfold, so all of them together are
// a few times the last one: linear in the text.
func (p *positions) reproduce(from, to int, msg string) (int, []int) {
	for k := 4; ; k *= 4 {
		window, lines, whole := p.skeleton(from, to, k)
		p.reparsed += len(window)
		werr := yaml.NewDecoder(bytes.NewReader(window)).Decode(new(yaml.Node))
		if werr != nil {
			if wp, wmsg := splitYAMLError(werr); wmsg == msg {
				return wp, lines
			}
		}
		if whole {
			return -1, lines
		}
	}
}

// skeleton is a document of its own made of line from (dedented), the
// lines up to line to that open what encloses the last k lines with
// content before to, and those last lines; lines gives each line's number
// in the file, and whole says the tail reaches back to from. Entries that
// closed before the tail are left out: they change nothing of what the
// parser expects there.
func (p *positions) skeleton(from, to, k int) (doc []byte, lines []int, whole bool) {
	content := func(n int) bool {
		l := p.line(n)
		i := indentOf(l)
		return i < len(l) && l[i] != '#'
	}
	// The tail: the last k lines with content, and what follows.
	tail := to
	for seen := 0; tail > from && seen < k; {
		tail--
		if content(tail) {
			seen++
		}
	}
	if tail <= from {
		tail, whole = from+1, true
	}
	var opens []int
	cur := indentOf(p.line(tail))
	for n := tail - 1; n > from && cur > 0; n-- {
		if content(n) && indentOf(p.line(n)) < cur {
			opens = append(opens, n)
			cur = indentOf(p.line(n))
		}
	}
	lines = append(lines, from)
	for i := len(opens) - 1; i >= 0; i-- {
		lines = append(lines, opens[i])
	}
	for n := tail; n <= to; n++ {
		lines = append(lines, n)
	}
	indent := indentOf(p.line(from))
	var b bytes.Buffer
	for _, n := range lines {
		l := p.line(n)
		b.Write(l[min(indent, indentOf(l)):])
		b.WriteByte('\n')
	}
	return b.Bytes(), lines, whole
}

// yamlError places a parser error (see locate); the column is that
// line's first non-blank character.
func (p *positions) yamlError(err error, delivered int) *hcl.Diagnostic {
	_, msg := splitYAMLError(err)
	line := p.locate(err, delivered)
	col := 1
	if line <= len(p.lines) {
		for off := p.lines[line-1]; off < len(p.src) && (p.src[off] == ' ' || p.src[off] == '\t'); off++ {
			col++
		}
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "YAML syntax: " + msg,
		Detail:   "Fix the YAML syntax here: indent nested keys by two spaces, write each key as name: value, and quote strings that contain ': ' or start with a special character such as { [ * & ! | > ' \" % @.",
		Subject:  p.rangeAt(line, col, 0).Ptr(),
	}
}
