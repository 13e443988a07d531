package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Each testdata/format/NAME.in.EXT is formatted into NAME.out.EXT; the
// output is canonical (formatting it again changes nothing).
func TestFormatGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/format/*.in.*")
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatal("no format fixture")
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			out, diags := Format(in, src)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			golden(t, strings.Replace(in, ".in.", ".out.", 1), string(out))
			again, _ := Format(in, out)
			if diff := cmp.Diff(string(out), string(again)); diff != "" {
				t.Errorf("formatting twice changes the output (-once +twice):\n%s", diff)
			}
		})
	}
}

// A file that does not parse is left as it is and its error reported.
func TestFormatKeepsBrokenFiles(t *testing.T) {
	for name, src := range map[string]string{
		"broken.hcl":  "tenant \"acme\" {\n",
		"broken.yaml": "tenants:\n  acme: [x\n  y: z\n",
	} {
		out, diags := Format(name, []byte(src))
		if !diags.HasErrors() {
			t.Errorf("%s: no error", name)
		}
		if string(out) != src {
			t.Errorf("%s: changed to %q", name, out)
		}
	}
}
