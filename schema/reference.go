package schema

import (
	"fmt"
	"reflect"
	"strings"
)

// Reference writes the configuration reference in Markdown, from the model
// itself: every block, its attributes, their types and what they mean, in
// both syntaxes.
func Reference() []byte {
	var b strings.Builder
	b.WriteString("# mailform configuration reference\n\n")
	b.WriteString("Generated from the model by `go generate ./schema`; do not edit.\n\n")
	b.WriteString("A config is a directory: every `*.hcl`, `*.yaml` and `*.yml` file in it is merged. ")
	b.WriteString("A labelled HCL block `mailbox \"info\" { … }` is the YAML mapping `mailboxes: {info: {…}}`; ")
	b.WriteString("a repeated unlabelled block `record { … }` is the YAML list `records: [{…}]`. ")
	b.WriteString("Secrets are written `env(\"NAME\")` or `file(\"path\")` in both syntaxes.\n")
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, title, hclPath, yamlPath string)
	walk = func(t reflect.Type, title, hclPath, yamlPath string) {
		if seen[t] {
			return
		}
		seen[t] = true
		spec := specOf(t)
		fmt.Fprintf(&b, "\n## %s\n\n", title)
		if hclPath != "" {
			fmt.Fprintf(&b, "HCL `%s` · YAML `%s`\n\n", hclPath, yamlPath)
		}
		if spec.remain != nil {
			b.WriteString("Further settings depend on `type`; see the provider types below.\n\n")
		}
		b.WriteString("| HCL | YAML | value | |\n|---|---|---|---|\n")
		var nested []reflect.Type
		names := map[reflect.Type][]*field{}
		for _, f := range spec.fields {
			kind := describe(f.typ, f.secret)
			switch f.kind {
			case fieldBlock:
				kind = "block"
			case fieldBlocks:
				kind = "blocks, by name"
			case fieldList:
				kind = "blocks, repeated"
			}
			if f.required {
				kind += ", required"
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", f.name, f.yamlName, cell(kind), cell(f.doc))
			if f.kind != fieldAttr {
				bt := blockType(f.typ)
				if names[bt] == nil {
					nested = append(nested, bt)
				}
				names[bt] = append(names[bt], f)
			}
		}
		for _, bt := range nested {
			fs := names[bt]
			var titles, hcls, yamls []string
			for _, f := range fs {
				titles = append(titles, f.name)
				switch f.kind {
				case fieldBlocks:
					hcls = append(hcls, f.name+` "…"`)
					yamls = append(yamls, f.yamlName+".…")
				case fieldList:
					hcls = append(hcls, f.name)
					yamls = append(yamls, f.yamlName+"[]")
				default:
					hcls = append(hcls, f.name)
					yamls = append(yamls, f.yamlName)
				}
			}
			walk(bt, strings.Join(titles, ", "), join(hclPath, strings.Join(hcls, " | ")), join(yamlPath, strings.Join(yamls, " | ")))
		}
	}
	walk(reflect.TypeOf(Config{}), "Top level", "", "")
	for _, group := range []struct {
		title string
		types []providerType
	}{{"Backend types", backendTypes}, {"DNS provider types", dnsTypes}} {
		fmt.Fprintf(&b, "\n## %s\n", group.title)
		for _, pt := range group.types {
			fmt.Fprintf(&b, "\n### `%s`\n\n%s\n\n", pt.name, pt.doc)
			if len(pt.settings) == 0 {
				continue
			}
			b.WriteString("| setting | value | |\n|---|---|---|\n")
			for _, s := range pt.settings {
				var kinds []string
				for _, k := range s.kinds {
					kinds = append(kinds, settingKindName(k))
				}
				v := strings.Join(kinds, " or ")
				if len(s.values) > 0 {
					v = "one of " + quoteList(s.values)
				}
				if s.required {
					v += ", required"
				}
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", s.name, cell(v), cell(s.doc))
			}
		}
	}
	return []byte(b.String())
}

func settingKindName(k SettingKind) string {
	switch k {
	case SettingString:
		return "a string"
	case SettingInt:
		return "a whole number"
	case SettingBool:
		return "true or false"
	case SettingList:
		return "a list of strings"
	}
	return `env("NAME") or file("path")`
}

func join(path, seg string) string {
	if path == "" {
		return seg
	}
	return path + " › " + seg
}

func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}
