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
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &node{kind: kindMap, pos: spanOf(pos.rangeAt(1, 1, 0))}, nil
		}
		return nil, hcl.Diagnostics{pos.yamlError(err)}
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
		return nil, hcl.Diagnostics{pos.yamlError(err)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return &node{kind: kindMap, pos: spanOf(pos.rangeAt(1, 1, 0))}, nil
		}
		root = root.Content[0]
	}
	r := yamlReader{pos: pos}
	n := r.node(root)
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
}

var refPattern = regexp.MustCompile(`^\s*(env|file)\s*\(\s*"([^"]*)"\s*\)\s*$`)

func (r *yamlReader) node(y *yaml.Node) *node {
	r.depth++
	defer func() { r.depth-- }()
	rng := r.pos.rangeAt(y.Line, y.Column, r.scalarWidth(y))
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
		n := r.node(y.Alias)
		return n
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

// firstFailingLine is the smallest n such that the file's first n lines do
// not parse, found by bisection; 0 when the whole file parses.
func (p *positions) firstFailingLine() int {
	fails := func(n int) bool {
		end := len(p.src)
		if n < len(p.lines) {
			end = p.lines[n]
		}
		dec := yaml.NewDecoder(bytes.NewReader(p.src[:end]))
		for {
			var v yaml.Node
			err := dec.Decode(&v)
			if errors.Is(err, io.EOF) {
				return false
			}
			if err != nil {
				return true
			}
		}
	}
	lo, hi := 1, len(p.lines)
	if !fails(hi) {
		return 0
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError places a parser error. yaml.v3 names the line where the
// enclosing mapping or list starts, not where the mistake is, so the line
// is found again as the first one the parser cannot get past; the column
// is that line's first non-blank character.
func (p *positions) yamlError(err error) *hcl.Diagnostic {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if l := p.firstFailingLine(); l > 0 {
		line = l
	}
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
