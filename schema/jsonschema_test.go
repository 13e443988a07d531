package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

const schemaFile = "mailform.schema.json"

// The committed reference is what the model generates.
func TestReferenceIsCurrent(t *testing.T) {
	have, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(Reference()), string(have)); diff != "" {
		t.Errorf("docs/configuration.md is stale; run go generate ./schema (-generated +committed):\n%s", diff)
	}
}

// The committed schema is what the model generates.
func TestJSONSchemaIsCurrent(t *testing.T) {
	want, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(have)); diff != "" {
		t.Errorf("%s is stale; run go generate ./schema (-generated +committed):\n%s", schemaFile, diff)
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlInstance reads a YAML file as an editor's YAML language server does
// (YAML 1.2: a date is a string) into JSON values.
func yamlInstance(t *testing.T, path string) any {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(doc.Content) == 0 {
		return map[string]any{}
	}
	return jsonValue(doc.Content[0])
}

func jsonValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.AliasNode:
		return jsonValue(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = jsonValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, jsonValue(c))
		}
		return l
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		return n.Value == "true"
	case "!!int", "!!float":
		return json.Number(n.Value)
	}
	return n.Value
}

func yamlFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	return out
}

// Every YAML example passes the schema, as it does the loader.
func TestJSONSchemaAcceptsExamples(t *testing.T) {
	s := compileSchema(t)
	n := 0
	for _, dirs := range exampleDirs(t) {
		for _, f := range yamlFiles(t, dirs[1]) {
			n++
			if err := s.Validate(yamlInstance(t, f)); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	if n == 0 {
		t.Fatal("no YAML example found")
	}
}

// The schema rejects each invalid fixture whose mistake it can express:
// an unknown key, a wrong type, a value outside a set or a range, a
// plaintext secret. Cross-references and limits are the loader's alone.
func TestJSONSchemaRejectsInvalidFixtures(t *testing.T) {
	s := compileSchema(t)
	for _, fixture := range []string{
		"archive-retention-yaml",
		"autoresponder-window",
		"branding-typo",
		"credential-literal",
		"labelled-block-as-list",
		"plaintext-password-yaml",
		"provider-setting-unknown-yaml",
		"too-many-allowed-ips",
		"unknown-key-nested-yaml",
		"unknown-key-yaml",
		"unknown-service-yaml",
		"wrong-types",
	} {
		t.Run(fixture, func(t *testing.T) {
			files := yamlFiles(t, filepath.Join(invalidDir, fixture))
			if len(files) == 0 {
				t.Fatal("no YAML file in the fixture")
			}
			rejected := false
			for _, f := range files {
				rejected = rejected || s.Validate(yamlInstance(t, f)) != nil
			}
			if !rejected {
				t.Error("the schema accepts it")
			}
		})
	}
}
