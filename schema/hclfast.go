package schema

import (
	"bytes"
	"unicode/utf8"

	"github.com/apparentlymart/go-textseg/v15/textseg"
	"github.com/zclconf/go-cty/cty"
	"golang.org/x/text/unicode/norm"
)

// fastHCL reads the plain HCL most configs are written in — blocks with
// quoted labels, one attribute per line, literal values, lists, env() and
// file() — straight into the syntax-neutral tree, without building
// hclsyntax's tokens and syntax tree, which cost most of the time and
// memory of loading a large config. It gives the same tree, ranges
// included, as readHCL gives through hclsyntax (TestFastHCL and
// FuzzFastHCL hold it to that), and declines (ok false) at anything else:
// comments in /* */, heredocs, objects, expressions, single-line blocks,
// and every error, which hclsyntax then reads and reports.
func fastHCL(filename string, src []byte) (n *node, ok bool) {
	for _, c := range src {
		if c == '\r' || c == 0 {
			return nil, false
		}
	}
	if !utf8.Valid(src) || len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		return nil, false
	}
	p := &fastParser{src: src, file: filename, line: 1, col: 1}
	// hclsyntax's file body starts at its first token: past any blanks,
	// and past a comment that ends the file without a newline.
	p.spaces()
	start := p.pos()
	onlyComment := !bytes.Contains(src[p.i:], []byte("\n")) && (p.peek() == '#' || p.peek() == '/')
	body := &node{kind: kindMap, block: true}
	if !p.body(body, true) {
		return nil, false
	}
	if onlyComment {
		start = p.pos()
	}
	body.pos = p.spanFrom(start)
	return body, true
}

type fastParser struct {
	src       []byte
	file      string
	i         int // byte offset
	line, col int
}

func (p *fastParser) pos() pos32 { return pos32{uint32(p.line), uint32(p.col), uint32(p.i)} }

func (p *fastParser) spanFrom(start pos32) span { return span{p.file, start, p.pos()} }

func (p *fastParser) eof() bool { return p.i >= len(p.src) }

func (p *fastParser) peek() byte {
	if p.i < len(p.src) {
		return p.src[p.i]
	}
	return 0
}

// advance moves to byte j, counting columns as hclsyntax does: one per
// grapheme cluster.
func (p *fastParser) advance(j int) {
	seg := p.src[p.i:j]
	ascii := true
	for _, c := range seg {
		if c >= utf8.RuneSelf || c == '\n' {
			ascii = false
			break
		}
	}
	if ascii {
		p.col += len(seg)
		p.i = j
		return
	}
	for len(seg) > 0 {
		adv, cluster, _ := textseg.ScanGraphemeClusters(seg, true)
		if len(cluster) == 1 && cluster[0] == '\n' {
			p.line++
			p.col = 1
		} else {
			p.col++
		}
		seg = seg[adv:]
	}
	p.i = j
}

// spaces skips blanks within a line.
func (p *fastParser) spaces() {
	j := p.i
	for j < len(p.src) && (p.src[j] == ' ' || p.src[j] == '\t') {
		j++
	}
	p.advance(j)
}

// comment skips a # or // comment up to the end of its line, newline not
// included. It reports whether the line ends here: a comment, a newline or
// the end of the file.
func (p *fastParser) endOfLine() bool {
	p.spaces()
	if p.eof() || p.peek() == '\n' {
		return true
	}
	if p.peek() == '#' || (p.peek() == '/' && p.i+1 < len(p.src) && p.src[p.i+1] == '/') {
		j := p.i
		for j < len(p.src) && p.src[j] != '\n' {
			j++
		}
		p.advance(j)
		return true
	}
	return false
}

// blank skips blanks, newlines and line comments; it declines a /* */
// comment.
func (p *fastParser) blank() bool {
	for {
		if !p.endOfLine() {
			return !(p.peek() == '/' && p.i+1 < len(p.src) && p.src[p.i+1] == '*')
		}
		if p.eof() {
			return true
		}
		p.advance(p.i + 1) // the newline
	}
}

func identStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

func identPart(c byte) bool { return identStart(c) || c == '-' || (c >= '0' && c <= '9') }

func (p *fastParser) ident() (string, span, bool) {
	if p.eof() || !identStart(p.peek()) {
		return "", span{}, false
	}
	start := p.pos()
	j := p.i + 1
	for j < len(p.src) && identPart(p.src[j]) {
		j++
	}
	if j < len(p.src) && p.src[j] >= utf8.RuneSelf {
		return "", span{}, false // a Unicode identifier: leave it to hclsyntax
	}
	name := string(p.src[p.i:j])
	p.advance(j)
	return name, p.spanFrom(start), true
}

// body reads attributes and blocks into n, up to the closing brace (not
// read) or, at the top, the end of the file.
func (p *fastParser) body(n *node, top bool) bool {
	groups := map[string]*node{}
	attrs := map[string]bool{}
	for {
		if !p.blank() {
			return false
		}
		if p.eof() {
			return top
		}
		if p.peek() == '}' {
			return !top
		}
		name, nameSpan, ok := p.ident()
		if !ok {
			return false
		}
		p.spaces()
		if p.peek() == '=' {
			if attrs[name] {
				return false // redefined: hclsyntax reports it
			}
			attrs[name] = true
			p.advance(p.i + 1)
			p.spaces()
			val, ok := p.value()
			if !ok || !p.endOfLine() {
				return false
			}
			n.entries = append(n.entries, &entry{key: name, keyPos: nameSpan, val: val})
			continue
		}
		item := &node{kind: kindMap, block: true}
		for p.peek() == '"' {
			s, at, ok := p.quoted()
			if !ok {
				return false
			}
			item.labels = append(item.labels, label{name: s, pos: at})
			p.spaces()
		}
		if p.peek() != '{' {
			return false
		}
		p.advance(p.i + 1)
		p.spaces()
		if p.peek() == '}' {
			// An empty block on one line.
		} else {
			if !p.endOfLine() || p.eof() || !p.body(item, false) {
				return false
			}
			if p.col != 1+p.indentOfLine() {
				return false // a closing brace after other text on its line
			}
		}
		p.advance(p.i + 1)
		item.pos = p.spanFrom(nameSpan.start)
		if !p.endOfLine() {
			return false
		}
		g, seen := groups[name]
		if !seen {
			g = &node{kind: kindBlocks, pos: item.pos, block: true}
			groups[name] = g
			n.entries = append(n.entries, &entry{key: name, keyPos: nameSpan, val: g})
		}
		g.items = append(g.items, item)
	}
}

// indentOfLine is how many blanks start the current line before p.i.
func (p *fastParser) indentOfLine() int {
	j := p.i
	for j > 0 && p.src[j-1] != '\n' {
		j--
	}
	k := j
	for k < p.i && (p.src[k] == ' ' || p.src[k] == '\t') {
		k++
	}
	if k != p.i {
		return -1
	}
	return k - j
}

// quoted reads a quoted string without interpolation; its range covers the
// quotes.
func (p *fastParser) quoted() (string, span, bool) {
	start := p.pos()
	p.advance(p.i + 1)
	j := p.i
	var buf []byte
	plain := true
	for ; ; j++ {
		if j >= len(p.src) || p.src[j] == '\n' {
			return "", span{}, false
		}
		c := p.src[j]
		if c == '"' {
			break
		}
		if (c == '$' || c == '%') && j+1 < len(p.src) && (p.src[j+1] == '{' || p.src[j+1] >= utf8.RuneSelf) {
			// A template; or a $ or % before a character beyond ASCII:
			// hclsyntax ends a piece of the string at the $ or %, so a
			// combining mark after it counts as a column of its own,
			// where here it would join the $.
			return "", span{}, false
		}
		if c == '\\' {
			if j+1 >= len(p.src) {
				return "", span{}, false
			}
			if plain {
				buf, plain = append(buf, p.src[p.i:j]...), false
			}
			j++
			switch p.src[j] {
			case 'n':
				buf = append(buf, '\n')
			case 't':
				buf = append(buf, '\t')
			case 'r':
				buf = append(buf, '\r')
			case '"', '\\':
				buf = append(buf, p.src[j])
			default:
				return "", span{}, false
			}
			continue
		}
		if !plain {
			buf = append(buf, c)
		}
	}
	s := string(p.src[p.i:j])
	if !plain {
		s = string(buf)
	}
	p.advance(j)
	p.advance(j + 1)
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			s = norm.NFC.String(s) // as cty keeps every string
			break
		}
	}
	return s, p.spanFrom(start), true
}

// value reads a literal: string, number, bool, null, list, env() or file().
func (p *fastParser) value() (*node, bool) {
	start := p.pos()
	switch c := p.peek(); {
	case c == '"':
		s, at, ok := p.quoted()
		return &node{kind: kindString, pos: at, str: s}, ok
	case c >= '0' && c <= '9':
		j := p.i
		for j < len(p.src) && p.src[j] >= '0' && p.src[j] <= '9' {
			j++
		}
		if j < len(p.src) && (p.src[j] == '.' || p.src[j] == 'e' || p.src[j] == 'E' || identPart(p.src[j])) {
			return nil, false // fractions and exponents: hclsyntax's
		}
		v, err := cty.ParseNumberVal(string(p.src[p.i:j]))
		if err != nil {
			return nil, false
		}
		p.advance(j)
		return &node{kind: kindNumber, pos: p.spanFrom(start), num: v.AsBigFloat()}, true
	case c == '[':
		p.advance(p.i + 1)
		n := &node{kind: kindList}
		for {
			if !p.blank() || p.eof() {
				return nil, false
			}
			if p.peek() == ']' {
				break
			}
			item, ok := p.value()
			if !ok || !p.blank() {
				return nil, false
			}
			n.items = append(n.items, item)
			if p.peek() == ',' {
				p.advance(p.i + 1)
				continue
			}
			if p.peek() != ']' {
				return nil, false
			}
		}
		p.advance(p.i + 1)
		n.pos = p.spanFrom(start)
		return n, true
	case identStart(c):
		name, at, ok := p.ident()
		if !ok {
			return nil, false
		}
		switch name {
		case "true", "false":
			return &node{kind: kindBool, pos: at, boolean: name == "true"}, true
		case "null":
			return &node{kind: kindNull, pos: at}, true
		case "env", "file":
			if p.peek() != '(' {
				return nil, false
			}
			p.advance(p.i + 1)
			p.spaces()
			if p.peek() != '"' {
				return nil, false
			}
			arg, _, ok := p.quoted()
			if !ok {
				return nil, false
			}
			p.spaces()
			if p.peek() != ')' {
				return nil, false
			}
			p.advance(p.i + 1)
			return &node{kind: kindRef, pos: p.spanFrom(start), file: name == "file", str: arg}, true
		}
	}
	return nil, false
}
