package synth

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// block is one element of a generated config, written as an HCL block or
// a YAML mapping: its kind (tenant, domain…), its label (a name) or none,
// its attributes in order, and its blocks.
type block struct {
	kind   string
	label  string
	attrs  []attr
	blocks []*block
}

type attr struct {
	name  string
	value any // string, int, bool, []string
}

func (b *block) set(name string, value any) *block {
	b.attrs = append(b.attrs, attr{name, value})
	return b
}

func (b *block) add(kind, label string) *block {
	c := &block{kind: kind, label: label}
	b.blocks = append(b.blocks, c)
	return c
}

// yamlKeys are the YAML keys of labelled blocks (the model's yaml= names).
var yamlKeys = map[string]string{
	"tenant": "tenants", "domain": "domains", "mailbox": "mailboxes", "alias": "aliases",
	"alias_domain": "alias_domains", "dns_provider": "dns_providers", "mx": "mx", "backend": "backends",
}

// writeHCL writes top-level blocks in HCL.
func writeHCL(w *bufio.Writer, blocks []*block) {
	for i, b := range blocks {
		if i > 0 {
			w.WriteByte('\n')
		}
		hclBlock(w, b, 0)
	}
}

func hclBlock(w *bufio.Writer, b *block, depth int) {
	indent := strings.Repeat("  ", depth)
	w.WriteString(indent + b.kind)
	if b.label != "" {
		w.WriteString(" " + strconv.Quote(b.label))
	}
	w.WriteString(" {\n")
	width := 0
	for _, a := range b.attrs {
		width = max(width, len(a.name))
	}
	for _, a := range b.attrs {
		fmt.Fprintf(w, "%s  %-*s = %s\n", indent, width, a.name, hclValue(a.value))
	}
	for _, c := range b.blocks {
		hclBlock(w, c, depth+1)
	}
	w.WriteString(indent + "}\n")
}

func hclValue(v any) string {
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

// writeYAML writes top-level blocks in YAML: unlabelled blocks as a key,
// labelled ones grouped under their plural key.
func writeYAML(w *bufio.Writer, blocks []*block) {
	yamlBlocks(w, blocks, 0)
}

func yamlBlocks(w *bufio.Writer, blocks []*block, depth int) {
	indent := strings.Repeat("  ", depth)
	for i := 0; i < len(blocks); {
		b := blocks[i]
		if b.label == "" {
			w.WriteString(indent + b.kind + ":")
			if len(b.attrs)+len(b.blocks) == 0 {
				w.WriteString(" {}\n")
			} else {
				w.WriteByte('\n')
				yamlBody(w, b, depth+1)
			}
			i++
			continue
		}
		w.WriteString(indent + yamlKeys[b.kind] + ":\n")
		for ; i < len(blocks) && blocks[i].kind == b.kind && blocks[i].label != ""; i++ {
			w.WriteString(indent + "  " + strconv.Quote(blocks[i].label) + ":")
			if len(blocks[i].attrs)+len(blocks[i].blocks) == 0 {
				w.WriteString(" {}\n")
				continue
			}
			w.WriteByte('\n')
			yamlBody(w, blocks[i], depth+2)
		}
	}
}

func yamlBody(w *bufio.Writer, b *block, depth int) {
	indent := strings.Repeat("  ", depth)
	for _, a := range b.attrs {
		w.WriteString(indent + a.name + ": " + hclValue(a.value) + "\n")
	}
	yamlBlocks(w, b.blocks, depth)
}
