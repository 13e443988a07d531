package schema

import (
	"bytes"
	"reflect"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"gopkg.in/yaml.v3"
)

// Format returns a config file in canonical form: HCL as hclwrite writes
// it; YAML with keys in the model's order, two-space indentation, comments
// kept, and a blank line between top-level sections. A file that does not
// parse is returned unchanged with its diagnostics.
func Format(filename string, src []byte) ([]byte, hcl.Diagnostics) {
	if syntaxOf(filename) == syntaxYAML {
		return formatYAML(filename, src)
	}
	if _, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return src, diags
	}
	return hclwrite.Format(src), nil
}

func formatYAML(filename string, src []byte) ([]byte, hcl.Diagnostics) {
	if _, diags := readYAML(filename, src); diags.HasErrors() {
		return src, diags
	}
	// yaml.v3 can move a comment when it writes a file it has just
	// written (a comment between a key and a value continued on the next
	// line): encode until the text is stable, so that fmt --check of a
	// formatted file always passes.
	out := src
	for range 3 {
		next, diags := encodeYAML(filename, out)
		if diags.HasErrors() || bytes.Equal(next, out) {
			return next, diags
		}
		out = next
	}
	return out, nil
}

// encodeYAML writes a YAML file once in canonical form.
func encodeYAML(filename string, src []byte) ([]byte, hcl.Diagnostics) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return src, nil
	}
	order(doc.Content[0], specOf(reflect.TypeOf(Config{})))
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return src, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "cannot write YAML: " + err.Error(), Subject: &hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}}}
	}
	return separateSections(b.Bytes()), nil
}

// order sorts the keys of a mapping that holds a model struct into the
// order the struct declares them, recursing into nested blocks. Keys the
// model does not know keep their place after the known ones; the names of
// labelled blocks keep the order the user gave them.
func order(m *yaml.Node, spec *structSpec) {
	if m.Kind != yaml.MappingNode {
		return
	}
	type pair struct{ k, v *yaml.Node }
	pairs := make([]pair, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		pairs = append(pairs, pair{m.Content[i], m.Content[i+1]})
	}
	rank := func(key string) int {
		for i, f := range spec.fields {
			if f.yamlName == key {
				return i
			}
		}
		return len(spec.fields)
	}
	sort.SliceStable(pairs, func(i, j int) bool { return rank(pairs[i].k.Value) < rank(pairs[j].k.Value) })
	m.Content = m.Content[:0]
	for _, p := range pairs {
		m.Content = append(m.Content, p.k, p.v)
		f := spec.lookup(p.k.Value, syntaxYAML)
		if f == nil {
			continue
		}
		switch f.kind {
		case fieldBlock:
			order(p.v, specOf(blockType(f.typ)))
		case fieldBlocks:
			if p.v.Kind == yaml.MappingNode {
				for i := 1; i < len(p.v.Content); i += 2 {
					order(p.v.Content[i], specOf(blockType(f.typ)))
				}
			}
		case fieldList:
			if p.v.Kind == yaml.SequenceNode {
				for _, item := range p.v.Content {
					order(item, specOf(blockType(f.typ)))
				}
			}
		}
	}
}

// separateSections puts one blank line before each top-level key (or the
// comment above it) that follows nested content: the encoder drops the
// blank lines of the source, and sections read better apart.
func separateSections(b []byte) []byte {
	lines := strings.SplitAfter(string(b), "\n")
	var out strings.Builder
	prevNested := false
	for _, l := range lines {
		top := l != "" && l != "\n" && l[0] != ' ' && l[0] != '-'
		if top && prevNested {
			out.WriteString("\n")
		}
		out.WriteString(l)
		prevNested = l != "" && l != "\n" && (l[0] == ' ' || l[0] == '-')
	}
	return []byte(out.String())
}
