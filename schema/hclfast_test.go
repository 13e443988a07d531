package schema

import (
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

var treeOptions = cmp.Options{
	cmp.AllowUnexported(node{}, entry{}, label{}, span{}, pos32{}),
	cmp.Comparer(func(a, b *big.Float) bool { return (a == nil) == (b == nil) && (a == nil || a.Cmp(b) == 0) }),
}

// slowHCL reads a file through hclsyntax only.
func slowHCL(filename string, src []byte) (*node, hcl.Diagnostics) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	n, more := hclBody(f.Body.(*hclsyntax.Body))
	return n, append(diags, more...)
}

// sameAsHCL checks that where the fast reader reads a file, hclsyntax
// reads it without a diagnostic into the same tree, ranges included.
func sameAsHCL(t *testing.T, name string, src []byte) bool {
	t.Helper()
	fast, ok := fastHCL(name, src)
	if !ok {
		return false
	}
	slow, diags := slowHCL(name, src)
	if len(diags) > 0 {
		t.Fatalf("%s: the fast reader read a file hclsyntax reports: %s\n%s", name, diags.Error(), src)
	}
	if diff := cmp.Diff(slow, fast, treeOptions); diff != "" {
		t.Fatalf("%s: the fast reader's tree differs (-hclsyntax +fast):\n%s\n%s", name, diff, src)
	}
	return true
}

func TestFastHCL(t *testing.T) {
	var files []string
	for _, pat := range []string{"../examples/*/*/*.hcl", "testdata/*/*.hcl", "testdata/*/*/*.hcl"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// A correct file in the plain style must be read fast.
		plain := !strings.Contains(f, "invalid") && !strings.Contains(string(src), "<<") && !strings.Contains(string(src), "/*")
		if !sameAsHCL(t, f, src) && plain {
			t.Errorf("%s: the fast reader declined a plain file", f)
		}
	}
	for _, c := range []struct {
		src  string
		fast bool
	}{
		{"a = 1\n", true},
		{"a = 1", true},
		{"a = \"x\" # note\nb = [1, 2,]\n", true},
		{"a = [\n  \"x\", // one\n  \"y\"\n]\n", true},
		{"b \"l1\" \"l2\" {\n  c = env(\"X\")\n  d = file( \"p\" )\n}\n", true},
		{"b {}\nb \"x\" {}\n", true},
		{"s = \"caffè ☕ e\u0301\\n\\\"q\\\"\"\n", true},
		{"t = true\nf = false\nn = null\n", true},
		{"domain \"caffè.example\" {\n  display_name = \"Café\"\n}\n", true},
		{"a = 1 b = 2\n", false},
		{"a = 1\na = 2\n", false},
		{"b { c = 1 }\n", false},
		{"b {\n  c = 1 }\n", false},
		{"a = \"${x}\"\n", false},
		{"a = 1.5\n", false},
		{"a = -1\n", false},
		{"a = { b = 1 }\n", false},
		{"a = <<EOT\nx\nEOT\n", false},
		{"/* c */\na = 1\n", false},
		{"a = x\n", false},
		{"a = \"x\\u00e8\"\n", false},
		{"b \"x\" {\n", false},
		{"}\n", false},
		{"a = \"unterminated\n", false},
		{"a = 1\r\n", false},
	} {
		if got := sameAsHCL(t, "t.hcl", []byte(c.src)); got != c.fast {
			t.Errorf("%q: read fast %v, want %v", c.src, got, c.fast)
		}
	}
}

// FuzzFastHCL: on any input the fast reader either declines or gives what
// hclsyntax gives.
func FuzzFastHCL(f *testing.F) {
	seeds(f, ".hcl")
	for _, s := range []string{"a = [\n\"x\",\n]\n", "b \"é\" {\n}\n", "a = \"\\\\$\"\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if strings.Contains(string(src), "\x00") {
			return
		}
		sameAsHCL(t, "fuzz.hcl", src)
	})
}
