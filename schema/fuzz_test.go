package schema

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// seeds adds every config file of the examples and fixtures with the given
// extension to a fuzz corpus.
func seeds(f *testing.F, ext string) {
	for _, pat := range []string{"../examples/*/*/*" + ext, "testdata/invalid/*/*" + ext, "testdata/format/*" + ext} {
		files, _ := filepath.Glob(pat)
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
}

// fuzzLoad loads one file and checks what must hold for any input: no
// panic, and an error has a position.
func fuzzLoad(t *testing.T, name string, src []byte) {
	_, diags := LoadSources("fuzz", []string{name}, Sources{name: src})
	for _, d := range diags {
		if d.Subject == nil {
			t.Fatalf("diagnostic without a position: %s", d.Summary)
		}
	}
}

func FuzzLoadHCL(f *testing.F) {
	seeds(f, ".hcl")
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, "fuzz/main.hcl", src) })
}

func FuzzLoadYAML(f *testing.F) {
	seeds(f, ".yaml")
	f.Fuzz(func(t *testing.T, src []byte) { fuzzLoad(t, "fuzz/main.yaml", src) })
}

// Formatting never panics, is idempotent, and never changes what a valid
// file means.
func FuzzFormat(f *testing.F) {
	seeds(f, ".yaml")
	seeds(f, ".hcl")
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, name := range []string{"fuzz/main.yaml", "fuzz/main.hcl"} {
			out, diags := Format(name, src)
			if diags.HasErrors() {
				continue
			}
			again, _ := Format(name, out)
			if string(again) != string(out) {
				t.Fatalf("%s: not idempotent:\n%s\n---\n%s", name, out, again)
			}
			before, d1 := LoadSources("fuzz", []string{name}, Sources{name: src})
			if d1.HasErrors() {
				continue
			}
			after, d2 := LoadSources("fuzz", []string{name}, Sources{name: out})
			if d2.HasErrors() {
				t.Fatalf("%s: formatted file no longer loads: %s\n%s", name, d2.Error(), out)
			}
			if diff := cmp.Diff(before, after, modelOptions); diff != "" {
				t.Fatalf("%s: formatting changed the model:\n%s", name, diff)
			}
		}
	})
}
