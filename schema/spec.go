package schema

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// fieldKind is how a model field is written in a config.
type fieldKind int

const (
	fieldAttr   fieldKind = iota + 1 // name = value
	fieldBlock                       // name { … }
	fieldBlocks                      // name "label" { … }, repeated
	fieldList                        // name { … }, repeated, no label
	fieldLabel                       // the block's label
	fieldRemain                      // any other attribute (provider settings)
)

// secretPolicy is what a secret field accepts.
type secretPolicy int

const (
	secretNone    secretPolicy = iota
	secretRefOnly              // env()/file() only: a literal is a plaintext password
	secretHashRef              // a crypt hash, or env()/file() holding one
)

// field is one model field as the struct tags describe it.
type field struct {
	name     string // HCL name, and the key in Node.Attrs
	yamlName string
	kind     fieldKind
	required bool
	secret   secretPolicy
	lines    bool // a text of lines: line breaks and tabs are allowed
	doc      string
	index    int
	typ      reflect.Type
}

// key is the field's name in the given syntax.
func (f *field) key(s syntax) string {
	if s == syntaxYAML {
		return f.yamlName
	}
	return f.name
}

// structSpec is a model struct as the decoder and the JSON Schema see it.
type structSpec struct {
	typ    reflect.Type
	fields []*field // attributes and blocks, in declaration order
	label  *field
	remain *field
}

var specs sync.Map // reflect.Type → *structSpec

func specOf(t reflect.Type) *structSpec {
	if s, ok := specs.Load(t); ok {
		return s.(*structSpec)
	}
	s := &structSpec{typ: t}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("mf")
		if !ok || tag == "-" {
			continue
		}
		parts := strings.Split(tag, ",")
		f := &field{name: parts[0], yamlName: parts[0], kind: fieldAttr, index: i, typ: sf.Type, doc: sf.Tag.Get("doc")}
		for _, opt := range parts[1:] {
			switch {
			case opt == "label":
				f.kind = fieldLabel
			case opt == "remain":
				f.kind = fieldRemain
			case opt == "block":
				f.kind = fieldBlock
			case opt == "blocks":
				f.kind = fieldBlocks
			case opt == "list":
				f.kind = fieldList
			case opt == "required":
				f.required = true
			case opt == "secret":
				f.secret = secretRefOnly
			case opt == "hash":
				f.secret = secretHashRef
			case opt == "multiline":
				f.lines = true
			case strings.HasPrefix(opt, "yaml="):
				f.yamlName = strings.TrimPrefix(opt, "yaml=")
			default:
				panic(fmt.Sprintf("schema: %s.%s: unknown tag option %q", t.Name(), sf.Name, opt))
			}
		}
		switch f.kind {
		case fieldLabel:
			s.label = f
		case fieldRemain:
			s.remain = f
		default:
			s.fields = append(s.fields, f)
		}
	}
	specs.Store(t, s)
	return s
}

// lookup finds the field written as name in the given syntax.
func (s *structSpec) lookup(name string, syn syntax) *field {
	for _, f := range s.fields {
		if f.key(syn) == name {
			return f
		}
	}
	return nil
}

// names lists what may be written in a body of this kind.
func (s *structSpec) names(syn syntax) []string {
	var out []string
	for _, f := range s.fields {
		out = append(out, f.key(syn))
	}
	return out
}

// blockType is the struct type behind a block field: T for *T or []*T.
func blockType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t
}
