package schema

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// platformHCL is the smallest platform block, to which a test adds.
const platformHCL = `platform {
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"
  mx "mx1.example.net" { priority = 10 }
%s}
`

// configDir writes files into a new config directory below a parent that
// holds a secret, as a CI checkout would beside its .env.
func configDir(t *testing.T, files map[string]string) (dir, parent string) {
	t.Helper()
	parent = t.TempDir()
	if err := os.WriteFile(filepath.Join(parent, ".env"), []byte("API_KEY = \"sk-live-0123456789\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(parent, "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, parent
}

// printed loads dir and prints its diagnostics as the CLI does.
func printed(t *testing.T, dir string) (string, int) {
	t.Helper()
	_, srcs, _, diags := Load(dir)
	var b strings.Builder
	SortDiagnostics(diags)
	if err := WriteDiagnostics(&b, diags, srcs, false); err != nil {
		t.Fatal(err)
	}
	errs, _ := Count(diags)
	return b.String(), errs
}

// A config file that is a link to a file outside the directory is refused
// without a line of it shown; one that links inside is read, but its lines
// are not shown either; nor are those of a file that names a secret.
func TestConfigFileLinks(t *testing.T) {
	dir, parent := configDir(t, map[string]string{"main.hcl": "platform {\n  mail_host = 1\n}\n"})
	if err := os.Symlink(filepath.Join(parent, ".env"), filepath.Join(dir, "env.hcl")); err != nil {
		t.Fatal(err)
	}
	out, errs := printed(t, dir)
	if errs == 0 || !strings.Contains(out, "env.hcl:1:1: config file env.hcl cannot be read: it lies outside the config directory") {
		t.Errorf("the link out was not refused:\n%s", out)
	}
	if strings.Contains(out, "sk-live") || strings.Contains(out, "API_KEY") {
		t.Errorf("the linked file's line is shown:\n%s", out)
	}
	if !strings.Contains(out, "2 |   mail_host = 1") {
		t.Errorf("a plain file's line is not shown:\n%s", out)
	}

	// A link inside the directory is followed; its lines are not shown.
	inner, _ := configDir(t, map[string]string{"real.txt": "tenant \"acme\" {\n  max_mailboxes = \"many\"\n}\n"})
	os.WriteFile(filepath.Join(inner, "platform.hcl"), []byte(strings.Replace(platformHCL, "%s", "", 1)), 0o644)
	if err := os.Symlink("real.txt", filepath.Join(inner, "tenant.hcl")); err != nil {
		t.Fatal(err)
	}
	out, errs = printed(t, inner)
	if errs != 1 || !strings.Contains(out, "tenant.hcl:2:19: max_mailboxes must be a whole number") || strings.Contains(out, `"many"`) {
		t.Errorf("a link inside the directory:\n%s", out)
	}

	// A file that names a secret shows no line of itself.
	refs, _ := configDir(t, map[string]string{"main.hcl": strings.Replace(platformHCL, "%s", "", 1) +
		"tenant \"acme\" {\n  max_mailboxes = \"many\"\n  relay_user \"web\" {\n    password = env(\"MAILFORM_WEB\")\n  }\n}\n"})
	out, _ = printed(t, refs)
	if !strings.Contains(out, "max_mailboxes must be a whole number") || strings.Contains(out, `"many"`) {
		t.Errorf("a file naming a secret shows its lines:\n%s", out)
	}
}

// What is not a regular file is refused at once, whether a config file, a
// logo or a secret: a FIFO does not hang the run, a device is not read.
func TestSpecialFiles(t *testing.T) {
	dir, _ := configDir(t, map[string]string{"main.hcl": strings.Replace(platformHCL, "%s", "  allow_files_from = [\"/dev\"]\n", 1) +
		"tenant \"acme\" {\n  domain \"acme.example\" {\n    customization {\n      logo = \"/dev/zero\"\n    }\n  }\n}\n"})
	if err := syscall.Mkfifo(filepath.Join(dir, "x.hcl"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	go func() { out, _ := printed(t, dir); done <- out }()
	var out string
	select {
	case out = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("loading a directory with a FIFO hangs")
	}
	for _, want := range []string{
		"x.hcl:1:1: config file x.hcl cannot be read: it is not a regular file",
		"zero.yaml:1:1: config file zero.yaml cannot be read: it lies outside the config directory",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	os.Remove(filepath.Join(dir, "x.hcl"))
	os.Remove(filepath.Join(dir, "zero.yaml"))
	out, _ = printed(t, dir)
	if !strings.Contains(out, "logo /dev/zero cannot be read: it is not a regular file") {
		t.Errorf("a device as logo:\n%s", out)
	}

	cfg, _, _, _ := Load(dir)
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := Environment{LookupEnv: func(string) (string, bool) { return "", false }}
	if _, err := env.Resolve(cfg.Access, Secret{Kind: SecretFile, Ref: "pipe"}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a FIFO as secret file: %v", err)
	}
}

// Each file is read up to its size: a config file 64 MB, a logo 1 MB, a
// secret 64 KB.
func TestFileSizes(t *testing.T) {
	dir, _ := configDir(t, map[string]string{"main.hcl": strings.Replace(platformHCL, "%s", "", 1) +
		"tenant \"acme\" {\n  domain \"acme.example\" {\n    customization {\n      logo = \"big.png\"\n    }\n  }\n}\n"})
	sparse := func(name string, size int64) {
		t.Helper()
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
	}
	sparse("big.png", MaxLogoFile+1)
	sparse("huge.hcl", MaxConfigFile+1)
	sparse("secret", MaxSecretFile+1)
	out, _ := printed(t, dir)
	if !strings.Contains(out, "huge.hcl:1:1: config file huge.hcl cannot be read: it is larger than 64 MB") {
		t.Errorf("a config file over 64 MB:\n%s", out)
	}
	os.Remove(filepath.Join(dir, "huge.hcl"))
	out, _ = printed(t, dir)
	if !strings.Contains(out, "logo big.png cannot be read: it is larger than 1 MB") {
		t.Errorf("a logo over 1 MB:\n%s", out)
	}
	cfg, _, _, _ := Load(dir)
	env := Environment{LookupEnv: func(string) (string, bool) { return "", false }}
	if _, err := env.Resolve(cfg.Access, Secret{Kind: SecretFile, Ref: "secret"}); err == nil || !strings.Contains(err.Error(), "larger than 64 KB") {
		t.Errorf("a secret over 64 KB: %v", err)
	}
}

// env() reads MAILFORM_* and what allow_env adds; a secret file lies in
// the config directory or a root allow_files_from names, links followed.
func TestResolveWithinAccess(t *testing.T) {
	dir, parent := configDir(t, map[string]string{"main.hcl": strings.Replace(platformHCL, "%s", "  allow_env = [\"ACME_*\"]\n  allow_files_from = [\"../secrets\"]\n", 1)})
	os.MkdirAll(filepath.Join(parent, "secrets"), 0o755)
	os.WriteFile(filepath.Join(parent, "secrets", "pw"), []byte("from-secrets\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "pw"), []byte("from-config\n"), 0o600)
	os.Symlink(filepath.Join(parent, ".env"), filepath.Join(dir, "link"))
	cfg, _, _, diags := Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	vars := map[string]string{"MAILFORM_X": "x", "ACME_PW": "acme", "HOME": "/root", "GITHUB_TOKEN": "ghp_secret"}
	env := Environment{LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
	for _, c := range []struct {
		s    Secret
		want string // the value, or a part of the error
	}{
		{Secret{Kind: SecretEnv, Ref: "MAILFORM_X"}, "x"},
		{Secret{Kind: SecretEnv, Ref: "ACME_PW"}, "acme"},
		{Secret{Kind: SecretEnv, Ref: "GITHUB_TOKEN"}, `env("GITHUB_TOKEN") is not allowed: env() reads only MAILFORM_*, ACME_*`},
		{Secret{Kind: SecretFile, Ref: "pw"}, "from-config"},
		{Secret{Kind: SecretFile, Ref: "../secrets/pw"}, "from-secrets"},
		{Secret{Kind: SecretFile, Ref: filepath.Join(parent, "secrets", "pw")}, "from-secrets"},
		{Secret{Kind: SecretFile, Ref: "../.env"}, "secret file ../.env cannot be read: it lies outside"},
		{Secret{Kind: SecretFile, Ref: "link"}, "secret file link cannot be read: it lies outside"},
		{Secret{Kind: SecretFile, Ref: "/etc/passwd"}, "it lies outside"},
	} {
		v, err := env.Resolve(cfg.Access, c.s)
		got := v
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.s, got, c.want)
		}
		if strings.Contains(got, "ghp_secret") || strings.Contains(got, "sk-live") {
			t.Errorf("%s: the error shows a value: %s", c.s, got)
		}
	}
}

// The run's environment sets the policy in place of the config's lists,
// which a config can then neither widen nor narrow; with endpoints pinned,
// a provider's url, server or dsn must be an env() reference.
func TestRunPolicy(t *testing.T) {
	dir, _ := configDir(t, map[string]string{"main.hcl": strings.Replace(platformHCL, "%s", "  allow_env = [\"*\"]\n", 1) +
		`dns_provider "pdns" {
  type    = "powerdns"
  url     = "http://198.51.100.9:8081"
  api_key = env("PDNS_API_KEY")
}
dns_provider "ns" {
  type        = "rfc2136"
  server      = env("MAILFORM_NS")
  tsig_key    = "k"
  tsig_secret = env("MAILFORM_TSIG")
}
`})
	out, errs := printed(t, dir)
	if errs != 0 || !strings.Contains(out, `warning: allow_env "*" allows every variable`) {
		t.Errorf("without a run policy:\n%s", out)
	}
	t.Setenv(EnvAllowEnv, "MAILFORM_*")
	t.Setenv(EnvPinEndpoints, "true")
	out, errs = printed(t, dir)
	for _, want := range []string{
		"warning: allow_env is not used in this run",
		`env("PDNS_API_KEY") is not allowed`,
		"url must come from the environment in this run",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if errs != 2 {
		t.Errorf("%d errors, want 2:\n%s", errs, out)
	}
}

func TestReadProblems(t *testing.T) {
	a := newAccess(t.TempDir(), nil, nil)
	if _, err := a.Read("/etc/hostname", 10); !errors.Is(err, ErrOutside) {
		t.Errorf("outside: %v", err)
	}
	if _, err := a.Read("missing", 10); err == nil || readProblem(err, 10) != "it does not exist" {
		t.Errorf("missing: %v", err)
	}
}
