package schema

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// SchemaID is where the committed JSON Schema is published.
const SchemaID = "https://raw.githubusercontent.com/mailform/mailform/main/schema/mailform.schema.json"

// Patterns the JSON Schema uses for values the loader parses.
const (
	sizePattern   = `^\s*[0-9]+\s*([MmGgTt]([Ii]?[Bb])?)\s*$`
	refPatternJ   = `^\s*(env|file)\s*\(\s*"[^"]*"\s*\)\s*$`
	hashPattern   = `^(\{[A-Za-z0-9.-]+\}|\$|\s*(env|file)\s*\(\s*"[^"]*"\s*\)\s*$)`
	periodPattern = `^\s*[0-9]{1,7}\s*([dD]([aA][yY][sS]?)?|[hH]([oO][uU][rR][sS]?)?)\s*$`
	datePattern   = `^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$`
)

// JSONSchema generates the JSON Schema (draft 2020-12) of the YAML form of
// a config file from the model, for editors to complete and check YAML
// configs. The loader remains the judge: it also checks what a schema
// cannot say, such as cross-references and limits.
func JSONSchema() ([]byte, error) {
	g := &schemaGen{defs: map[string]any{}}
	root := g.object(reflect.TypeOf(Config{}))
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaID
	root["title"] = "mailform configuration file (YAML)"
	root["description"] = "One file of a mailform config directory. Every *.yaml, *.yml and *.hcl file of the directory is merged into one config."
	root["$defs"] = g.defs
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type schemaGen struct {
	defs map[string]any
}

// ref returns a reference to the definition of struct type t, making it on
// first use.
func (g *schemaGen) ref(t reflect.Type) map[string]any {
	name := t.Name()
	if _, ok := g.defs[name]; !ok {
		g.defs[name] = nil // reserve, for recursion
		g.defs[name] = g.object(t)
	}
	return map[string]any{"$ref": "#/$defs/" + name}
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	spec := specOf(t)
	props := map[string]any{}
	var required []string
	for _, f := range spec.fields {
		var s map[string]any
		switch f.kind {
		case fieldAttr:
			s = g.attr(f.typ, f.secret)
		case fieldBlock:
			s = orNull(g.ref(blockType(f.typ)))
		case fieldBlocks:
			s = map[string]any{"type": "object", "additionalProperties": orNull(g.ref(blockType(f.typ)))}
		case fieldList:
			s = map[string]any{"type": "array", "items": g.ref(blockType(f.typ))}
		}
		if f.doc != "" {
			s["description"] = f.doc
		}
		constraints(s, t, f)
		props[f.yamlName] = s
		if f.required {
			required = append(required, f.yamlName)
		}
	}
	obj := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		obj["required"] = required
	}
	switch {
	case spec.remain == nil:
		obj["additionalProperties"] = false
	case t == reflect.TypeOf(Backend{}):
		g.providerTypes(obj, backendTypes)
	case t == reflect.TypeOf(DNSProvider{}):
		g.providerTypes(obj, dnsTypes)
	}
	return obj
}

// providerTypes lets each provider type add its own settings: a setting is
// allowed only beside the type that takes it.
func (g *schemaGen) providerTypes(obj map[string]any, types []providerType) {
	props := obj["properties"].(map[string]any)
	props["type"].(map[string]any)["enum"] = typeNames(types)
	var all []any
	for _, pt := range types {
		sp := map[string]any{}
		var req []string
		for _, s := range pt.settings {
			sp[s.name] = settingSchema(s)
			if s.required {
				req = append(req, s.name)
			}
		}
		then := map[string]any{"properties": sp}
		if len(req) > 0 {
			then["required"] = req
		}
		all = append(all, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"type": map[string]any{"const": pt.name}}, "required": []string{"type"}},
			"then": then,
		})
	}
	obj["allOf"] = all
	obj["unevaluatedProperties"] = false
}

func settingSchema(s settingSpec) map[string]any {
	var alts []any
	for _, k := range s.kinds {
		switch k {
		case SettingString:
			a := map[string]any{"type": "string"}
			if len(s.values) > 0 {
				a["enum"] = s.values
			}
			alts = append(alts, a)
		case SettingInt:
			alts = append(alts, map[string]any{"type": "integer"})
		case SettingBool:
			alts = append(alts, map[string]any{"type": "boolean"})
		case SettingList:
			alts = append(alts, map[string]any{"type": "array", "items": map[string]any{"type": "string"}})
		case SettingSecret:
			alts = append(alts, map[string]any{"type": "string", "pattern": refPatternJ})
		}
	}
	out := map[string]any{"description": s.doc}
	if len(alts) == 1 {
		for k, v := range alts[0].(map[string]any) {
			out[k] = v
		}
		return out
	}
	out["anyOf"] = alts
	return out
}

func (g *schemaGen) attr(t reflect.Type, sp secretPolicy) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == secretType && sp == secretRefOnly:
		return map[string]any{"type": "string", "pattern": refPatternJ}
	case t == secretType:
		return map[string]any{"type": "string", "pattern": hashPattern}
	case t == sizeType:
		return map[string]any{"type": "string", "pattern": sizePattern}
	case t == servicesType:
		names := make([]string, len(AllServices))
		for i, s := range AllServices {
			names[i] = string(s)
		}
		return map[string]any{"type": "array", "items": map[string]any{"enum": names}, "uniqueItems": true}
	case t == dateType:
		return map[string]any{"type": "string", "pattern": datePattern}
	case t == periodType:
		return map[string]any{"type": "string", "pattern": periodPattern}
	case t.Implements(enumType):
		return map[string]any{"enum": reflect.Zero(t).Interface().(enum).values()}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Int:
		return map[string]any{"type": "integer"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() == reflect.Slice:
		return map[string]any{"type": "array", "items": g.attr(t.Elem(), sp)}
	}
	panic("schema: no JSON Schema for " + t.String())
}

// constraints adds the bounds a js:"…" tag declares, e.g.
// js:"minimum=1,maximum=10" or js:"maxItems=5".
func constraints(s map[string]any, t reflect.Type, f *field) {
	tag := t.Field(f.index).Tag.Get("js")
	if tag == "" {
		return
	}
	for _, kv := range strings.Split(tag, ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			panic("schema: bad js tag on " + t.Name() + "." + f.name)
		}
		s[k] = n
	}
}

func orNull(s map[string]any) map[string]any {
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}
