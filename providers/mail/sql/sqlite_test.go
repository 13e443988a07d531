package sql

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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

// Twenty runners opening one new database at once all find it set up:
// none fails on a table or column another has just made.
func TestSQLiteConcurrentMigration(t *testing.T) {
	testConcurrentFirstOpen(t, 10, func() func() (*Backend, error) {
		path := filepath.Join(t.TempDir(), "mail.db")
		return func() (*Backend, error) { return OpenSQLite(context.Background(), path, DefaultOwner) }
	})
}

// testConcurrentFirstOpen opens a new database from twenty goroutines at
// once, rounds times; newDatabase gives each round's opener.
func testConcurrentFirstOpen(t *testing.T, rounds int, newDatabase func() func() (*Backend, error)) {
	for round := range rounds {
		open := newDatabase()
		errs := make(chan error, 20)
		for range 20 {
			go func() {
				b, err := open()
				if err == nil {
					var v int
					v, err = schemaVersion(context.Background(), b.db)
					if err == nil && v != SchemaVersion() {
						err = fmt.Errorf("schema version %d after open, want %d", v, SchemaVersion())
					}
					b.Close()
				}
				errs <- err
			}()
		}
		for range 20 {
			if err := <-errs; err != nil {
				t.Errorf("round %d: %v", round+1, err)
			}
		}
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

// Read's two SQLite transactions see one snapshot: a commit made after
// they began is in neither, one made before is in both.
func TestSQLiteReadSnapshot(t *testing.T) {
	ctx := context.Background()
	b, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "mail.db"), DefaultOwner)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	insert := func(name string) {
		t.Helper()
		if _, err := b.db.ExecContext(ctx, `INSERT INTO mf_meta (key, value) VALUES (?, 'x')`, name); err != nil {
			t.Fatal(err)
		}
	}
	insert("before")
	txs, err := b.readTxs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, tx := range txs {
			tx.Rollback()
		}
	}()
	if len(txs) != 2 {
		t.Fatalf("%d transactions, want 2", len(txs))
	}
	insert("after") // a writer is not kept waiting by the readers
	for i, tx := range txs {
		var before, after int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mf_meta WHERE key = 'before'`).Scan(&before); err != nil {
			t.Fatal(err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mf_meta WHERE key = 'after'`).Scan(&after); err != nil {
			t.Fatal(err)
		}
		if before != 1 || after != 0 {
			t.Errorf("transaction %d sees %d rows written before and %d after it began, want 1 and 0", i, before, after)
		}
	}
}

// While another connection writes, Read does not wait for it: it reads
// everything in one transaction.
func TestSQLiteReadBesideWriter(t *testing.T) {
	ctx := context.Background()
	b, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "mail.db"), DefaultOwner)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	writer, err := b.db.BeginTx(ctx, nil) // begin immediate: the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Rollback()
	txs, err := b.readTxs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range txs {
		tx.Rollback()
	}
	if len(txs) != 1 {
		t.Errorf("%d transactions beside a writer, want 1", len(txs))
	}
	if _, err := b.Read(ctx); err != nil {
		t.Fatal(err)
	}
}

// Read matches mailform's columns in mf_mailbox to the mailbox rows
// whatever the order of either table: rows out of step, a mailbox without
// mailform's row (its services all off), one retired (gone), and a row of
// mailform's whose mailbox is gone (ignored).
func TestReadPairsMailboxRows(t *testing.T) {
	st := readAfter(t,
		`INSERT INTO mailbox (username, password, maildir, local_part, domain) VALUES
			('a@x.example', 'h', 'x.example/a/', 'a', 'x.example'), ('b@x.example', 'h', 'x.example/b/', 'b', 'x.example'),
			('c@x.example', 'h', 'x.example/c/', 'c', 'x.example'), ('d@x.example', 'h', 'x.example/d/', 'd', 'x.example'),
			('e@x.example', 'h', 'x.example/e/', 'e', 'x.example')`,
		`INSERT INTO mf_mailbox (username, imap, pop3, smtp, webmail, send_limit) VALUES
			('c@x.example', 1, 0, 0, 0, 5), ('a@x.example', 0, 1, 0, 0, 1), ('gone@x.example', 1, 1, 1, 1, 9),
			('d@x.example', 1, 1, 1, 1, 2), ('e@x.example', 0, 0, 1, 0, 3)`,
		`UPDATE mf_mailbox SET retired = '2026-01-01T00:00:00Z' WHERE username = 'd@x.example'`,
	)
	var got []string
	for _, m := range st.Mailboxes {
		got = append(got, fmt.Sprintf("%s %v %d", m.Address, m.Services, m.SendLimit))
	}
	want := []string{"a@x.example [pop3] 1", "b@x.example [] 0", "c@x.example [imap] 5", "e@x.example [smtp] 3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mailboxes (-want +got):\n%s", diff)
	}
}

// readAfter reads a new SQLite backend after running stmts on it.
func readAfter(t *testing.T, stmts ...string) *mail.State {
	t.Helper()
	b := openSQLite(t).(*Backend)
	for _, stmt := range stmts {
		if _, err := b.db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	st, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Read sorts the alias table's rows into catch-alls, forwarding and
// aliases whatever their order: a mailbox's own row, its forwarding with
// and without a copy kept, a catch-all, an alias, and an address that
// delivers to itself without being a mailbox (an alias all the same).
func TestReadLinksAliasRows(t *testing.T) {
	st := readAfter(t,
		`INSERT INTO domain (domain) VALUES ('x.example')`,
		`INSERT INTO mailbox (username, password, maildir, local_part, domain) VALUES
			('a@x.example', 'h', 'x.example/a/', 'a', 'x.example'), ('b@x.example', 'h', 'x.example/b/', 'b', 'x.example'),
			('c@x.example', 'h', 'x.example/c/', 'c', 'x.example'), ('d@x.example', 'h', 'x.example/d/', 'd', 'x.example')`,
		`INSERT INTO alias (address, goto, domain) VALUES
			('d@x.example', 'd@x.example,out@example.org', 'x.example'), ('self@x.example', 'self@x.example', 'x.example'),
			('a@x.example', 'a@x.example', 'x.example'), ('@x.example', 'a@x.example', 'x.example'),
			('c@x.example', 'out@example.org', 'x.example'), ('sales@x.example', 'a@x.example,c@x.example', 'x.example'),
			('b@x.example', 'b@x.example', 'x.example')`,
	)
	var got []string
	for _, d := range st.Domains {
		got = append(got, fmt.Sprintf("domain %s catch-all %q", d.Name, d.CatchAll))
	}
	for _, m := range st.Mailboxes {
		got = append(got, fmt.Sprintf("mailbox %s forward %v keep %v", m.Address, m.Forward, m.KeepCopy))
	}
	for _, a := range st.Aliases {
		got = append(got, fmt.Sprintf("alias %s to %v", a.Address, a.Goto))
	}
	want := []string{
		`domain x.example catch-all "a@x.example"`,
		"mailbox a@x.example forward [] keep false",
		"mailbox b@x.example forward [] keep false",
		"mailbox c@x.example forward [out@example.org] keep false",
		"mailbox d@x.example forward [out@example.org] keep true",
		"alias sales@x.example to [a@x.example c@x.example]",
		"alias self@x.example to [self@x.example]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
}

// A large apply runs with a larger page cache, and leaves the connection's
// cache as it was for whoever uses it next. Into an empty mailbox table it
// builds the secondary indexes after the rows, and leaves them as they
// were, whether it fails or succeeds.
func TestSQLiteLargeApply(t *testing.T) {
	b := openSQLite(t).(*Backend)
	ctx := context.Background()
	ops := []mail.Op{
		{Action: mail.Create, Tenant: &mail.Tenant{Name: "t", Owner: DefaultOwner}},
		{Action: mail.Create, Domain: &mail.Domain{Name: "x.example", Tenant: "t", Active: true}},
	}
	for i := range largeApply + 1 {
		ops = append(ops, mail.Op{Action: mail.Create, Mailbox: &mail.Mailbox{Address: fmt.Sprintf("u%d@x.example", i),
			Password: mail.Password{Hash: "{SHA512-CRYPT}$6$x$y"}, Services: []string{"imap"}, Active: true}})
	}
	indexes := func() []string {
		t.Helper()
		return queryStrings(t, b.db, `SELECT name || ': ' || COALESCE(sql, '(key)') FROM sqlite_master WHERE type = 'index' ORDER BY name`)
	}
	before := indexes()
	if !slices.ContainsFunc(before, func(s string) bool { return strings.HasPrefix(s, "mailbox_domain: CREATE INDEX") }) {
		t.Fatalf("no mailbox_domain index to test with: %q", before)
	}
	bad := slices.Clone(ops)
	bad = append(bad, mail.Op{Action: mail.Create, Mailbox: &mail.Mailbox{Address: "nopassword@x.example", Active: true}})
	if err := b.Apply(ctx, bad); err == nil || !strings.Contains(err.Error(), "no password") {
		t.Fatalf("apply with a mailbox without password: %v, want its error", err)
	}
	if diff := cmp.Diff(before, indexes()); diff != "" {
		t.Errorf("indexes after a failed large apply (-before +after):\n%s", diff)
	}
	b.db.SetMaxOpenConns(1) // so that the check below gets the apply's connection
	if err := b.Apply(ctx, ops); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, indexes()); diff != "" {
		t.Errorf("indexes after a large apply (-before +after):\n%s", diff)
	}
	// The indexes built again serve the queries they are for.
	for _, q := range []struct{ query, index string }{
		{`SELECT username FROM mailbox WHERE domain = 'x.example'`, "mailbox_domain"},
		{`SELECT maildir FROM mailbox WHERE ` + keptMaildir, "mailbox_kept_maildir"},
	} {
		if plan := queryPlan(t, b.db, q.query); !strings.Contains(plan, "USING INDEX "+q.index) && !strings.Contains(plan, "USING COVERING INDEX "+q.index) {
			t.Errorf("%s after the apply: %q, want it to use %s", q.query, plan, q.index)
		}
	}
	for _, p := range []struct {
		pragma string
		want   int
	}{{"cache_size", -2000}, {"synchronous", 1}, {"wal_autocheckpoint", 1000}} {
		var got int
		if err := b.db.QueryRow("PRAGMA " + p.pragma).Scan(&got); err != nil || got != p.want {
			t.Errorf("%s after the apply = %d (%v), want %d", p.pragma, got, err, p.want)
		}
	}
	b.db.SetMaxOpenConns(0) // Read uses more than one
	st, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Mailboxes) != largeApply+1 {
		t.Errorf("%d mailboxes read back, want %d", len(st.Mailboxes), largeApply+1)
	}
}

// queryPlan is SQLite's plan for query, its steps joined by "; ".
// queryStrings runs a query of one text column and returns its rows.
func queryStrings(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func queryPlan(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	rows, err := db.Query(`EXPLAIN QUERY PLAN ` + query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan += detail + "; "
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestSQLiteCheckpointAside: an apply's commit leaves its log for
// checkpointAside to copy into the database, and Close waits for that.
// The log is cut to nothing then, though a mail server still has the
// database open.
func TestSQLiteCheckpointAside(t *testing.T) {
	b := openSQLite(t).(*Backend)
	ctx := context.Background()
	var path string
	if err := b.db.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	server, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	var n int
	if err := server.QueryRow(`SELECT count(*) FROM mailbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	// inFile is how many of the database's bytes its file holds: those
	// still in the log are beyond its end.
	inFile := func() (file, db int64) {
		t.Helper()
		if err := b.db.QueryRow(`SELECT page_count * page_size FROM pragma_page_count, pragma_page_size`).Scan(&db); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size(), db
	}
	conn, err := b.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	restore, err := commitDurably(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE filler (x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)
		INSERT INTO filler SELECT printf('%01000d', i) FROM n`); err != nil {
		t.Fatal(err)
	}
	var sync int
	if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous during the apply = %d (%v), want 2 (FULL)", sync, err)
	}
	restore()
	conn.Close()
	if file, db := inFile(); file >= db {
		t.Fatalf("database file after the commit: %d bytes of %d, want the new pages still in the log", file, db)
	}
	logSize := func() int64 {
		t.Helper()
		st, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	if size := logSize(); size == 0 {
		t.Fatal("log after the commit: empty, want the new pages in it")
	}
	b.checkpointAside()
	b.checkpoints.Wait()
	if file, db := inFile(); file != db {
		t.Errorf("database file after checkpointAside: %d bytes, want %d", file, db)
	}
	if size := logSize(); size != 0 {
		t.Errorf("log after checkpointAside: %d bytes, want it cut to nothing", size)
	}
	if err := server.QueryRow(`SELECT count(*) FROM filler`).Scan(&n); err != nil || n != 6000 {
		t.Errorf("the server reads %d rows (%v), want 6000", n, err)
	}
}

// The rows one apply writes share its time, read from the clock once;
// an update keeps a row's created time.
func TestSQLiteApplyTimes(t *testing.T) {
	b := openSQLite(t).(*Backend)
	ctx := context.Background()
	tick := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	b.now = func() time.Time { tick = tick.Add(time.Second); return tick }
	box := &mail.Mailbox{Address: "info@x.example", Password: mail.Password{Hash: "{SHA512-CRYPT}$6$x$y"}, Active: true}
	if err := b.Apply(ctx, []mail.Op{
		{Action: mail.Create, Tenant: &mail.Tenant{Name: "t", Owner: DefaultOwner}},
		{Action: mail.Create, Domain: &mail.Domain{Name: "x.example", Tenant: "t", Active: true, CatchAll: "info@x.example"}},
		{Action: mail.Create, AliasDomain: &mail.AliasDomain{Name: "y.example", Target: "x.example", Active: true}},
		{Action: mail.Create, Mailbox: box},
		{Action: mail.Create, Alias: &mail.Alias{Address: "sales@x.example", Goto: []string{"info@x.example"}}},
		{Action: mail.Create, DKIMKey: &mail.DKIMKey{Domain: "x.example", Selector: "s1", Algorithm: "ed25519", PublicKey: "p", PrivateKey: "k"}},
	}); err != nil {
		t.Fatal(err)
	}
	times := func() []string {
		t.Helper()
		return queryStrings(t, b.db, `
			SELECT 'domain ' || domain || ' ' || created || ' ' || modified FROM domain
			UNION ALL SELECT 'alias_domain ' || alias_domain || ' ' || created || ' ' || modified FROM alias_domain
			UNION ALL SELECT 'mailbox ' || username || ' ' || created || ' ' || modified FROM mailbox
			UNION ALL SELECT 'alias ' || address || ' ' || created || ' ' || modified FROM alias
			UNION ALL SELECT 'dkim ' || selector || ' ' || created FROM mf_dkim_key
			ORDER BY 1`)
	}
	const first = "2026-03-01 09:00:01"
	want := []string{
		"alias @x.example " + first + " " + first,
		"alias info@x.example " + first + " " + first,
		"alias sales@x.example " + first + " " + first,
		"alias_domain y.example " + first + " " + first,
		"dkim s1 " + first,
		"domain x.example " + first + " " + first,
		"mailbox info@x.example " + first + " " + first,
	}
	if diff := cmp.Diff(want, times()); diff != "" {
		t.Errorf("after the first apply (-want +got):\n%s", diff)
	}
	box.Name = "Info"
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Update, Mailbox: box}}); err != nil {
		t.Fatal(err)
	}
	want[len(want)-1] = "mailbox info@x.example " + first + " 2026-03-01 09:00:02"
	want[1] = "alias info@x.example " + first + " 2026-03-01 09:00:02"
	if diff := cmp.Diff(want, times()); diff != "" {
		t.Errorf("after an update (-want +got):\n%s", diff)
	}
}

func TestSQLiteWrittenWhole(t *testing.T) { testWrittenWhole(t, openSQLite(t).(*Backend)) }

// testWrittenWhole: a tenant's managers and a domain's catch-all are what
// the last write gave them and nothing else, even where an "@domain" row
// was there before the domain (written by hand, or left behind), since
// such a row would take the domain's mail.
func testWrittenWhole(t *testing.T, b *Backend) {
	t.Helper()
	ctx := context.Background()
	for _, d := range []string{"stale-a.example", "stale-b.example"} {
		if _, err := b.db.Exec(fmt.Sprintf(`INSERT INTO alias (address, goto, domain) VALUES ('@%s', 'spy@elsewhere.example', '%s')`, d, d)); err != nil {
			t.Fatal(err)
		}
	}
	tenant := &mail.Tenant{Name: "t", Owner: DefaultOwner, Managers: []mail.Manager{{Address: "anna@stale-a.example", Name: "Anna"}, {Address: "luca@stale-a.example", Name: "Luca"}}}
	a := &mail.Domain{Name: "stale-a.example", Tenant: "t", Active: true}
	bd := &mail.Domain{Name: "stale-b.example", Tenant: "t", Active: true, CatchAll: "info@stale-b.example"}
	rows := func() []string {
		return append(queryStrings(t, b.db, `SELECT address || ' ' || goto FROM alias WHERE address LIKE '@%' ORDER BY address`),
			queryStrings(t, b.db, `SELECT tenant || ' ' || address || ' ' || name FROM mf_manager ORDER BY address`)...)
	}
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Create, Tenant: tenant}, {Action: mail.Create, Domain: a}, {Action: mail.Create, Domain: bd}}); err != nil {
		t.Fatal(err)
	}
	want := []string{"@stale-b.example info@stale-b.example", "t anna@stale-a.example Anna", "t luca@stale-a.example Luca"}
	if diff := cmp.Diff(want, rows()); diff != "" {
		t.Errorf("after the creation (-want +got):\n%s", diff)
	}
	t2, a2, b2 := *tenant, *a, *bd
	t2.Managers = []mail.Manager{{Address: "luca@stale-a.example", Name: "Luca Rossi"}, {Address: "sara@stale-a.example", Name: "Sara"}}
	a2.CatchAll, b2.CatchAll = "sales@stale-b.example", ""
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Update, Tenant: &t2}, {Action: mail.Update, Domain: &a2}, {Action: mail.Update, Domain: &b2}}); err != nil {
		t.Fatal(err)
	}
	want = []string{"@stale-a.example sales@stale-b.example", "t luca@stale-a.example Luca Rossi", "t sara@stale-a.example Sara"}
	if diff := cmp.Diff(want, rows()); diff != "" {
		t.Errorf("after the update (-want +got):\n%s", diff)
	}
}

func TestSQLiteRetiredAddressAlias(t *testing.T) {
	testRetiredAddressAlias(t, openSQLite(t).(*Backend))
}

// testRetiredAddressAlias: the alias table is matched with the mailboxes
// before it is known which are retired; a row for a retired mailbox's
// address (its retiring deleted the mailbox's own, someone wrote one
// again) is still read as an alias, and the mailboxes around it keep
// their forwarding.
func testRetiredAddressAlias(t *testing.T, b *Backend) {
	t.Helper()
	ctx := context.Background()
	box := func(local string, forward ...string) *mail.Mailbox {
		return &mail.Mailbox{Address: local + "@acme.example", Name: local, Password: mail.Password{Hash: "{SHA512-CRYPT}$6$saltsaltsaltsalt$x"},
			Services: []string{"imap"}, Active: true, Forward: forward, KeepCopy: len(forward) > 0}
	}
	ops := []mail.Op{{Action: mail.Create, Tenant: &mail.Tenant{Name: "t", Owner: DefaultOwner}},
		{Action: mail.Create, Domain: &mail.Domain{Name: "acme.example", Tenant: "t", Active: true}},
		{Action: mail.Create, Mailbox: box("anna", "x@elsewhere.example")}, {Action: mail.Create, Mailbox: box("luca")},
		{Action: mail.Create, Mailbox: box("sara", "y@elsewhere.example")}}
	if err := b.Apply(ctx, ops); err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Delete, Mailbox: box("luca")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(`INSERT INTO alias (address, goto, domain) VALUES ('luca@acme.example', 'luca@elsewhere.example', 'acme.example')`); err != nil {
		t.Fatal(err)
	}
	st, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range st.Mailboxes {
		got = append(got, fmt.Sprintf("mailbox %s forward %v keep %v", m.Address, m.Forward, m.KeepCopy))
	}
	for _, a := range st.Aliases {
		got = append(got, fmt.Sprintf("alias %s to %v", a.Address, a.Goto))
	}
	want := []string{"mailbox anna@acme.example forward [x@elsewhere.example] keep true", "mailbox sara@acme.example forward [y@elsewhere.example] keep true",
		"alias luca@acme.example to [luca@elsewhere.example]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
}

// oneByOne is the SQLite backend writing as a backend that talks to a
// hosting panel's API does: one operation at a time, each on its own,
// declared not atomic. The conformance suite holds it to what such a
// backend promises.
type oneByOne struct{ *Backend }

func (b oneByOne) Capabilities() mail.Capabilities { return mail.Capabilities{} }

func (b oneByOne) Apply(ctx context.Context, ops []mail.Op) error {
	for i := range ops {
		if err := b.Backend.Apply(ctx, ops[i:i+1]); err != nil {
			return &mail.PartialError{Done: i, Err: err}
		}
	}
	return nil
}

func TestNotAtomicConformance(t *testing.T) {
	mailtest.Run(t, func(t *testing.T) mail.Backend { return oneByOne{openSQLite(t).(*Backend)} })
}
