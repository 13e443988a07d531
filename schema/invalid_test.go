package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

const invalidDir = "testdata/invalid"

// Each directory under testdata/invalid is a config with mistakes; its
// want.txt lists every diagnostic, in order, as file:line:col: summary.
// Run go test ./schema -update to rewrite them after reading the change.
func TestInvalidFixtures(t *testing.T) {
	entries, err := os.ReadDir(invalidDir)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		count++
		dir := filepath.Join(invalidDir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			_, _, _, diags := Load(dir)
			if !diags.HasErrors() {
				t.Errorf("no error reported:\n%s", render(dir, diags))
			}
			for _, d := range diags {
				if d.Subject == nil || d.Subject.Start.Line == 0 {
					t.Errorf("diagnostic without a position: %s", d.Summary)
				}
				if d.Detail == "" {
					t.Errorf("diagnostic without a detail saying what would be right: %s", d.Summary)
				}
			}
			golden(t, filepath.Join(dir, "want.txt"), render(dir, diags))
		})
	}
	if count < 40 {
		t.Errorf("%d invalid fixtures; keep at least 40", count)
	}
}

// No diagnostic shows a password or a credential: neither the plaintext
// given by mistake nor a hash.
func TestDiagnosticsNeverShowSecrets(t *testing.T) {
	secrets := []string{"Sup3rSecret!", "hunter2", "abcdef0123456789", "0123456789abcdef", "$6$short$abc"}
	for _, fixture := range []string{"plaintext-password-hcl", "plaintext-password-yaml", "plain-scheme-hash", "malformed-hash", "credential-literal"} {
		dir := filepath.Join(invalidDir, fixture)
		_, srcs, _, diags := Load(dir)
		var out strings.Builder
		if err := WriteDiagnostics(&out, diags, srcs, false); err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(out.String(), s) {
				t.Errorf("%s: the output shows %q:\n%s", fixture, s, out.String())
			}
		}
		for _, d := range diags {
			if _, ok := d.Extra.(Sensitive); !ok && d.Severity == hcl.DiagError {
				t.Errorf("%s: %q is not marked sensitive", fixture, d.Summary)
			}
		}
	}
}

// A diagnostic shows the same snippet whether the file's text was kept or,
// as Load leaves it, read again.
func TestDiagnosticsReadReleasedSources(t *testing.T) {
	dir := filepath.Join(invalidDir, "unknown-attribute")
	_, names, _, diags := Load(dir)
	texts := Sources{}
	for name, text := range names {
		if text != nil {
			t.Fatalf("Load kept the text of %s", name)
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		texts[name] = b
	}
	var kept, released strings.Builder
	if err := WriteDiagnostics(&kept, diags, texts, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteDiagnostics(&released, diags, names, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(kept.String(), " | ") {
		t.Fatalf("no snippet in:\n%s", kept.String())
	}
	if diff := cmp.Diff(kept.String(), released.String()); diff != "" {
		t.Errorf("snippets differ (-kept +released):\n%s", diff)
	}
}
