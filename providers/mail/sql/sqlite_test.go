package sql

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/providers/mail/mailtest"
)

func openSQLite(t *testing.T) mail.Backend {
	b, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "mail.db"), DefaultOwner)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestSQLiteConformance(t *testing.T) { mailtest.Run(t, openSQLite) }

func TestSQLiteMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mail.db")
	b, err := OpenSQLite(ctx, path, DefaultOwner)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	// Opening again finds the schema current and changes nothing.
	b, err = OpenSQLite(ctx, path, DefaultOwner)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(`UPDATE mf_meta SET value = '999' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := OpenSQLite(ctx, path, DefaultOwner); err == nil || !strings.Contains(err.Error(), "newer than this mailform knows") {
		t.Errorf("a newer schema was not refused: %v", err)
	}
}

// A database of schema version 1 gets the Sieve scripts of its
// autoresponders when it is brought to version 2.
func TestSQLiteMigrationWritesSieveScripts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mail.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	stmts := append([]string{`CREATE TABLE mf_meta (key VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL)`,
		`INSERT INTO mf_meta (key, value) VALUES ('schema_version', '1')`}, migrations[0].statements...)
	stmts = append(stmts, `INSERT INTO mf_mailbox (username, autoreply, autoreply_subject, autoreply_body, autoreply_end)
		VALUES ('info@acme.example', 1, 'Away', 'Back soon.', '2026-08-25T00:00:00Z')`)
	for _, stmt := range stmts {
		for k, v := range sqlite.types {
			stmt = strings.ReplaceAll(stmt, k, v)
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	b, err := OpenSQLite(ctx, path, DefaultOwner)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var script string
	if err := b.db.QueryRow(`SELECT script FROM mf_sieve WHERE username = 'info@acme.example'`).Scan(&script); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(script, `vacation :days 1 :subject "Away"`) || !strings.Contains(script, `"lt" "iso8601" "2026-08-25T00:00:00Z"`) {
		t.Errorf("script after migration:\n%s", script)
	}
}
