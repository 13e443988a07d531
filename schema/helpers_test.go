package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"

	goldenfile "github.com/mailform/mailform/internal/golden"
)

// modelOptions compare two models by content, leaving out where each part
// was written.
var modelOptions = cmp.Options{
	cmpopts.IgnoreTypes(Node{}, hcl.Range{}),
	cmpopts.IgnoreFields(Config{}, "Dir", "Files", "Access"),
	cmpopts.IgnoreUnexported(Config{}),
}

// render writes diagnostics one a line as rel/file:line:col: [warning: ]summary,
// with file names relative to dir.
func render(dir string, diags hcl.Diagnostics) string {
	SortDiagnostics(diags)
	var b strings.Builder
	for _, d := range diags {
		if d.Subject != nil {
			name := d.Subject.Filename
			if rel, err := filepath.Rel(dir, name); err == nil {
				name = rel
			}
			b.WriteString(place(hcl.Range{Filename: name, Start: d.Subject.Start}) + ": ")
		}
		if d.Severity == hcl.DiagWarning {
			b.WriteString("warning: ")
		}
		b.WriteString(d.Summary + "\n")
	}
	return b.String()
}

// golden compares got with the file at path, or rewrites it under -update.
func golden(t *testing.T, path, got string) { t.Helper(); goldenfile.Check(t, path, got) }

// loadClean loads a config that must have no diagnostic at all.
func loadClean(t *testing.T, dir string) *Config {
	t.Helper()
	cfg, _, _, diags := Load(dir)
	if len(diags) > 0 {
		t.Fatalf("%s:\n%s", dir, render(dir, diags))
	}
	return cfg
}

// exampleDirs lists each example as its HCL and YAML config directories.
func exampleDirs(t *testing.T) map[string][2]string {
	t.Helper()
	entries, err := os.ReadDir("../examples")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]string{}
	for _, e := range entries {
		h := filepath.Join("../examples", e.Name(), "hcl")
		y := filepath.Join("../examples", e.Name(), "yaml")
		if _, err := os.Stat(h); err != nil {
			continue
		}
		out[e.Name()] = [2]string{h, y}
	}
	return out
}
