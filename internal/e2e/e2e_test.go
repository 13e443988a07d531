// Package e2e proves with real servers what mailform applies: the
// mailform binary writes a backend (SQLite or PostgreSQL), and Dovecot and
// Postfix, started with the configuration shipped in examples/servers,
// enforce it for mail clients. It holds only tests.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/internal/testenv"
	"github.com/mailform/mailform/providers"
	_ "github.com/mailform/mailform/providers/mail/sql"
)

// binary is the mailform program under test, built with the faultinject
// tag so that a test can stop it at a chosen point.
var binary string

func TestMain(m *testing.M) {
	var err error
	if binary, err = testenv.BuildMailform("faultinject"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := servers.Main(m)
	os.RemoveAll(filepath.Dir(binary))
	os.Exit(code)
}

// result is one run of the mailform binary.
type result struct {
	code           int
	stdout, stderr string
}

// mailform runs the binary with env added to the environment.
func mailform(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errOut.String()}
}

// mustApply applies dir and fails the test unless it succeeds.
func mustApply(t *testing.T, env []string, args ...string) result {
	t.Helper()
	r := mailform(t, env, append([]string{"apply", "--auto-approve"}, args...)...)
	if r.code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// writeConfig renders a config template into a new directory.
func writeConfig(t *testing.T, text string, data any) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(render(t, text, data)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// render fills in a config template.
func render(t *testing.T, text string, data any) string {
	t.Helper()
	var b bytes.Buffer
	if err := template.Must(template.New("config").Parse(text)).Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// backendBlock is the backend of a config on db.
func backendBlock(db servers.Database) string {
	if db.Postgres != nil {
		return fmt.Sprintf("backend \"main\" {\n  type = \"postgres\"\n  dsn  = %q\n}\n", db.Postgres.DSN(db.PGDatabase))
	}
	return fmt.Sprintf("backend \"main\" {\n  type = \"sqlite\"\n  path = %q\n}\n", db.SQLitePath)
}

// databases are the two backends every end-to-end test runs on.
func databases(t *testing.T) map[string]func(t *testing.T) servers.Database {
	return map[string]func(t *testing.T) servers.Database{
		"sqlite": func(t *testing.T) servers.Database {
			return servers.Database{SQLitePath: servers.SQLiteDir(t)}
		},
		"postgres": func(t *testing.T) servers.Database {
			pg := servers.StartPostgres(t)
			return servers.Database{Postgres: pg, PGDatabase: pg.NewDatabase(t)}
		},
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// customerDNS starts a name server on loopback for the domains whose DNS
// mailform does not manage: their owners have published every record,
// the DKIM keys db holds included. Configs pin it as their authoritative
// server.
func customerDNS(t *testing.T, db servers.Database) string {
	t.Helper()
	database := db.SQLitePath
	if db.Postgres != nil {
		database = db.Postgres.DSN(db.PGDatabase)
	}
	return servers.StartCustomerDNS(t, "192.0.2.16", func(name string) []string {
		if _, err := os.Stat(db.SQLitePath); db.Postgres == nil && err != nil {
			return nil // nothing applied yet
		}
		b, err := providers.OpenLocation(context.Background(), database)
		if err != nil {
			return nil
		}
		defer b.Close()
		st, err := b.Read(context.Background())
		if err != nil {
			return nil
		}
		var out []string
		for _, k := range st.DKIMKeys {
			if k.Selector+"._domainkey."+k.Domain+"." == name {
				out = append(out, "v=DKIM1; k="+k.Algorithm+"; p="+k.PublicKey)
			}
		}
		return out
	})
}
