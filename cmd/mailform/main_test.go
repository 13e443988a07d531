package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mailform runs the CLI in-process and returns its exit code and output.
func mailform(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"mailform"}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := mailform(t, "version")
	if code != 0 || !strings.HasPrefix(out, "mailform ") {
		t.Errorf("exit %d, output %q", code, out)
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, cmd := range []string{"version", "validate", "fmt", "plan", "apply", "show", "settings", "records", "check"} {
		code, out, _ := mailform(t, cmd, "--help")
		if code != 0 || !strings.Contains(out, "Example") {
			t.Errorf("%s --help: exit %d, no example in:\n%s", cmd, code, out)
		}
	}
}

func TestValidateExamples(t *testing.T) {
	dirs, _ := filepath.Glob("../../examples/*/*")
	n := 0
	for _, dir := range dirs {
		if b := filepath.Base(dir); b != "hcl" && b != "yaml" {
			continue
		}
		n++
		code, out, errOut := mailform(t, "validate", dir)
		if code != 0 || !strings.Contains(out, "is valid") || errOut != "" {
			t.Errorf("%s: exit %d\n%s%s", dir, code, out, errOut)
		}
	}
	if n < 8 {
		t.Errorf("validated %d example directories, want at least 8", n)
	}
}

// A broken config exits 1 and names every problem as file:line:col.
func TestValidateReportsAllErrors(t *testing.T) {
	dir := "../../schema/testdata/invalid/wrong-types"
	code, out, errOut := mailform(t, "validate", dir)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{
		dir + "/main.yaml:9:20: max_mailboxes must be a whole number, not a string",
		dir + "/main.yaml:10:18: require_2fa must be true or false, not a string",
		dir + "/main.yaml:13:19: services must be a list of services, not a string",
		"mailform: " + dir + ": 3 errors",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("missing %q in:\n%s", want, errOut)
		}
	}
}

func TestValidateJSON(t *testing.T) {
	code, out, _ := mailform(t, "validate", "--json", "../../schema/testdata/invalid/unknown-attribute")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var diags []struct {
		Severity, Summary, Detail, File string
		Line, Column                    int
	}
	if err := json.Unmarshal([]byte(out), &diags); err != nil {
		t.Fatal(err, out)
	}
	if len(diags) != 1 || diags[0].Line != 10 || diags[0].Column != 7 || !strings.HasPrefix(diags[0].Detail, `Did you mean "quota"?`) {
		t.Errorf("got %+v", diags)
	}
}

func TestValidateNoConfig(t *testing.T) {
	code, _, errOut := mailform(t, "validate", t.TempDir())
	if code != 1 || !strings.Contains(errOut, "no *.hcl, *.yaml or *.yml file") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	messy := "tenant \"acme\" {\ndisplay_name=\"ACME\"\n}\n"
	tidy := "tenant \"acme\" {\n  display_name = \"ACME\"\n}\n"
	path := filepath.Join(dir, "main.hcl")
	if err := os.WriteFile(path, []byte(messy), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, _ := mailform(t, "fmt", "--check", dir)
	if code != 1 || strings.TrimSpace(out) != path {
		t.Errorf("fmt --check: exit %d, listed %q", code, out)
	}
	if b, _ := os.ReadFile(path); string(b) != messy {
		t.Error("fmt --check changed the file")
	}

	code, out, _ = mailform(t, "fmt", dir)
	if code != 0 || strings.TrimSpace(out) != path {
		t.Errorf("fmt: exit %d, listed %q", code, out)
	}
	b, _ := os.ReadFile(path)
	if diff := cmp.Diff(tidy, string(b)); diff != "" {
		t.Errorf("fmt wrote (-want +got):\n%s", diff)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("fmt changed the permissions to %v", st.Mode().Perm())
	}

	code, out, _ = mailform(t, "fmt", "--check", dir)
	if code != 0 || out != "" {
		t.Errorf("fmt --check after fmt: exit %d, listed %q", code, out)
	}
}

func TestFmtBrokenFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("tenants:\n  acme: [x\n"), 0o644)
	code, _, errOut := mailform(t, "fmt", dir)
	if code != 1 || !strings.Contains(errOut, "a.yaml:") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestNoColorWhenNotATerminal(t *testing.T) {
	_, _, errOut := mailform(t, "validate", "../../schema/testdata/invalid/unknown-attribute")
	if strings.Contains(errOut, "\x1b[") {
		t.Errorf("colour codes in output that is not a terminal: %q", errOut)
	}
}
