package sql

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/providers/lock"
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/providers/mail/mailtest"
)

func TestMain(m *testing.M) { os.Exit(servers.Main(m)) }

// openPostgres opens a backend on a new database of the test PostgreSQL.
func openPostgres(t *testing.T) mail.Backend {
	return openPostgresOwner(t, servers.StartPostgres(t).NewDatabase(t), DefaultOwner)
}

func openPostgresOwner(t *testing.T, database, owner string) *Backend {
	t.Helper()
	b, err := OpenPostgres(context.Background(), servers.StartPostgres(t).DSN(database), "", owner)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestPostgresConformance(t *testing.T) { mailtest.Run(t, openPostgres) }

func TestPostgresWrittenWhole(t *testing.T) { testWrittenWhole(t, openPostgres(t).(*Backend)) }

func TestPostgresRetiredAddressAlias(t *testing.T) {
	testRetiredAddressAlias(t, openPostgres(t).(*Backend))
}

func TestPostgresMigrations(t *testing.T) {
	pg := servers.StartPostgres(t)
	name := pg.NewDatabase(t)
	b := openPostgresOwner(t, name, DefaultOwner)
	if _, err := b.db.Exec(`UPDATE mf_meta SET value = '999' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenPostgres(context.Background(), pg.DSN(name), "", DefaultOwner); err == nil || !strings.Contains(err.Error(), "newer than this mailform knows") {
		t.Errorf("a newer schema was not refused: %v", err)
	}
}

// Twenty runners opening one new database at once all find it set up.
func TestPostgresConcurrentMigration(t *testing.T) {
	pg := servers.StartPostgres(t)
	testConcurrentFirstOpen(t, 5, func() func() (*Backend, error) {
		dsn := pg.DSN(pg.NewDatabase(t))
		return func() (*Backend, error) { return OpenPostgres(context.Background(), dsn, "", DefaultOwner) }
	})
}

// The advisory lock is one per database: a second owner waits for the
// first, is told who holds it, and gets it once released; a closed session
// releases it.
func TestPostgresAdvisoryLock(t *testing.T) {
	name := servers.StartPostgres(t).NewDatabase(t)
	a := openPostgresOwner(t, name, "ci-job-a")
	b := openPostgresOwner(t, name, "ci-job-b")
	ctx := context.Background()
	unlock, err := a.Lock(ctx, "job a", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Lock(ctx, "job b", 0)
	var held *lock.HeldError
	if !errors.As(err, &held) || held.Holder != "job a" {
		t.Fatalf("second lock: %v", err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		unlock()
	}()
	start := time.Now()
	unlockB, err := b.Lock(ctx, "job b", 5*time.Second)
	if err != nil {
		t.Fatalf("waiting lock: %v", err)
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Error("the second lock did not wait for the first")
	}
	// A runner whose session dies holding the lock leaves nothing behind.
	if _, err := a.db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`); err != nil {
		t.Fatal(err)
	}
	_ = unlockB
	unlockA, err := a.Lock(ctx, "job a again", time.Second)
	if err != nil {
		t.Fatalf("lock after the holder's connection closed: %v", err)
	}
	unlockA()
}

func TestPostgresBadDSN(t *testing.T) {
	_, err := OpenPostgres(context.Background(), "postgres://u:hunter2@127.0.0.1:1:bad/x", "", DefaultOwner)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad DSN: %v", err)
	}
	_, err = OpenPostgres(context.Background(), "postgres://u@127.0.0.1:1/x?connect_timeout=1", "hunter2", DefaultOwner)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("unreachable server: %v", err)
	}
}

func TestNumberedPlaceholders(t *testing.T) {
	got := numberedPlaceholders(`SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)`)
	if want := `SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3)`; got != want {
		t.Errorf("got %s", got)
	}
}

// On PostgreSQL upserts go in batches: an apply of more rows than a batch
// holds, with a read in between (a local part the mail directory escapes)
// and a mailbox written twice, reads back as written one by one; a row
// the server refuses fails the whole apply, which names the operations
// of its batch.
func TestPostgresBatchedApply(t *testing.T) {
	ctx := context.Background()
	b := openPostgresOwner(t, servers.StartPostgres(t).NewDatabase(t), DefaultOwner)
	ops := importOps(150) // 1,500 mailboxes, 300 aliases
	escaped := mail.Op{Action: mail.Create, Mailbox: &mail.Mailbox{Address: "a/b@cliente-00000.example", Name: "Escaped",
		Password: mail.Password{Hash: "{SHA512-CRYPT}$6$saltsaltsaltsalt$x"}, Services: []string{"imap"}, Active: true}}
	again := *ops[len(ops)-400].Mailbox
	again.Name = "Written twice"
	ops = slices.Insert(ops, len(ops)-300, mail.Op{Action: mail.Update, Mailbox: &again}, escaped)
	if err := b.Apply(ctx, ops); err != nil {
		t.Fatal(err)
	}
	st, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, m := range st.Mailboxes {
		names[m.Address] = m.Name
	}
	if len(names) != 1501 || names[again.Address] != "Written twice" || names["a/b@cliente-00000.example"] != "Escaped" {
		t.Errorf("read back %d mailboxes; %s is %q, the escaped one %q", len(names), again.Address, names[again.Address], names["a/b@cliente-00000.example"])
	}
	if len(st.Aliases) < 300 {
		t.Errorf("read back %d aliases, want at least 300", len(st.Aliases))
	}

	bad := importOps(200)[1:] // the tenant exists
	for i := range bad {
		if m := bad[i].Mailbox; m != nil && m.Address >= "paolo" {
			m.Name = strings.Repeat("x", 300) // the column holds 255
			break
		}
	}
	err = b.Apply(ctx, bad)
	if err == nil || !strings.Contains(err.Error(), "rows of mailbox, written together") {
		t.Fatalf("an apply with a refused row: %v", err)
	}
	after, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Mailboxes) != len(st.Mailboxes) || len(after.Domains) != len(st.Domains) {
		t.Errorf("the failed apply wrote: %d mailboxes and %d domains, were %d and %d", len(after.Mailboxes), len(after.Domains), len(st.Mailboxes), len(st.Domains))
	}
}
