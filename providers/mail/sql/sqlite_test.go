package sql

import (
	"context"
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
