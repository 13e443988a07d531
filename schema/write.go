package schema

import (
	"bufio"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// The writer: config written out as blocks, in HCL as mailform fmt lays it
// out, or in YAML in the order given. The synthetic reseller is written
// through it, and import is to write what it reads through it.

// Block is one block of a config: its type (tenant, domain…), its label
// (a name) or none, its attributes in order, and its blocks.
type Block struct {
	Type    string
	Label   string
	Comment string // a line written as a comment above the block
	Attrs   []Attr
	Blocks  []*Block
}

// Attr is an attribute. Its value is a string, an int, a bool, a []string,
// an []int, or an Expr.
type Attr struct {
	Name  string
	Value any
}

// Expr is a value written as an expression, such as env("NAME").
type Expr string

// Set appends an attribute and returns the block.
func (b *Block) Set(name string, value any) *Block {
	b.Attrs = append(b.Attrs, Attr{name, value})
	return b
}

// Add appends a block and returns it.
func (b *Block) Add(typ, label string) *Block {
	c := &Block{Type: typ, Label: label}
	b.Blocks = append(b.Blocks, c)
	return c
}

// WriteHCL writes top-level blocks in HCL, a blank line between two, the
// equals signs of a block's attributes aligned.
func WriteHCL(w io.Writer, blocks []*Block) error {
	bw := bufio.NewWriter(w)
	for i, b := range blocks {
		if i > 0 {
			bw.WriteByte('\n')
		}
		hclBlock(bw, b, 0)
	}
	return bw.Flush()
}

func hclBlock(w *bufio.Writer, b *Block, depth int) {
	indent := strings.Repeat("  ", depth)
	comment(w, indent, b.Comment)
	w.WriteString(indent + b.Type)
	if b.Label != "" {
		w.WriteString(" " + strconv.Quote(b.Label))
	}
	w.WriteString(" {\n")
	width := 0
	for _, a := range b.Attrs {
		width = max(width, len(a.Name))
	}
	for _, a := range b.Attrs {
		fmt.Fprintf(w, "%s  %-*s = %s\n", indent, width, a.Name, writtenValue(a.Value))
	}
	for _, c := range b.Blocks {
		hclBlock(w, c, depth+1)
	}
	w.WriteString(indent + "}\n")
}

// comment writes a comment line, with every control character (a line
// break would end it) written as a space.
func comment(w *bufio.Writer, indent, text string) {
	if text == "" {
		return
	}
	w.WriteString(indent + "# " + strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, text) + "\n")
}

// writtenValue writes a value as both syntaxes read it: strings quoted and
// escaped, lists in brackets, expressions as they are.
func writtenValue(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case Expr:
		return string(x)
	case []int:
		q := make([]string, len(x))
		for i, n := range x {
			q[i] = strconv.Itoa(n)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// WriteYAML writes top-level blocks in YAML: an unlabelled block as a
// key, labelled ones of one type grouped under their plural key.
func WriteYAML(w io.Writer, blocks []*Block) error {
	bw := bufio.NewWriter(w)
	yamlBlocks(bw, blocks, 0)
	return bw.Flush()
}

func yamlBlocks(w *bufio.Writer, blocks []*Block, depth int) {
	indent := strings.Repeat("  ", depth)
	for i := 0; i < len(blocks); {
		b := blocks[i]
		if b.Label == "" {
			comment(w, indent, b.Comment)
			w.WriteString(indent + b.Type + ":")
			if len(b.Attrs)+len(b.Blocks) == 0 {
				w.WriteString(" {}\n")
			} else {
				w.WriteByte('\n')
				yamlBody(w, b, depth+1)
			}
			i++
			continue
		}
		w.WriteString(indent + yamlKey(b.Type) + ":\n")
		for ; i < len(blocks) && blocks[i].Type == b.Type && blocks[i].Label != ""; i++ {
			comment(w, indent+"  ", blocks[i].Comment)
			w.WriteString(indent + "  " + strconv.Quote(blocks[i].Label) + ":")
			if len(blocks[i].Attrs)+len(blocks[i].Blocks) == 0 {
				w.WriteString(" {}\n")
				continue
			}
			w.WriteByte('\n')
			yamlBody(w, blocks[i], depth+2)
		}
	}
}

func yamlBody(w *bufio.Writer, b *Block, depth int) {
	indent := strings.Repeat("  ", depth)
	for _, a := range b.Attrs {
		w.WriteString(indent + a.Name + ": " + writtenValue(a.Value) + "\n")
	}
	yamlBlocks(w, b.Blocks, depth)
}

// yamlKeys are the YAML keys of labelled blocks, from the model's tags:
// "domain" blocks go under "domains".
var yamlKeys = sync.OnceValue(func() map[string]string {
	keys := map[string]string{}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for _, f := range specOf(t).fields {
			if f.kind == fieldBlocks {
				keys[f.name] = f.yamlName
			}
			if f.kind != fieldAttr {
				walk(f.typ)
			}
		}
	}
	walk(reflect.TypeFor[Config]())
	return keys
})

func yamlKey(typ string) string {
	if k := yamlKeys()[typ]; k != "" {
		return k
	}
	return typ
}
