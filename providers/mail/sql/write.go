package sql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mailform/mailform/internal/fault"
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

// Apply performs ops in one transaction, in their order: all or nothing.
func (b *Backend) Apply(ctx context.Context, ops []mail.Op) error {
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	creates := rowCreates(ops)
	if b.dialect.name == "sqlite" {
		restore, err := commitDurably(ctx, conn)
		if err != nil {
			return err
		}
		defer restore()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	var rebuild []string
	if b.dialect.name == "sqlite" {
		if rebuild, err = deferIndexes(ctx, tx, creates); err != nil {
			tx.Rollback()
			return err
		}
	}
	w := &writer{ctx: ctx, tx: tx, d: b.dialect, owner: b.owner, clock: b.now}
	if err := w.clearFirst(ops); err != nil {
		tx.Rollback()
		return err
	}
	for i, op := range ops {
		if i == len(ops)/2 {
			fault.Point("mail-apply-midway")
		}
		if err := w.op(op); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := w.flush(); err != nil {
		tx.Rollback()
		return err
	}
	for _, create := range rebuild {
		if _, err := tx.ExecContext(ctx, create); err != nil {
			tx.Rollback()
			return fmt.Errorf("building an index again: %w", err)
		}
	}
	fault.Point("mail-apply-commit")
	if err := tx.Commit(); err != nil {
		return err
	}
	if b.dialect.name == "sqlite" {
		b.checkpointAside()
	}
	return nil
}

// commitDurably sets conn up for an SQLite apply: its commit is synced
// to the log before Apply returns, so that what a zone is about to point
// at is on disk first, and the log is not copied into the database at the
// commit. That copy, the checkpoint, writes the database's changed pages
// a second time and takes as long again as a large commit;
// checkpointAside runs it beside what the apply does next. Both settings
// are set back for the connection's next user.
func commitDurably(ctx context.Context, conn *sql.Conn) (restore func(), err error) {
	restore = func() {
		ctx := context.WithoutCancel(ctx)
		conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL")
		conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 1000")
	}
	for _, q := range []string{"PRAGMA synchronous = FULL", "PRAGMA wal_autocheckpoint = 0"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			restore()
			return nil, err
		}
	}
	return restore, nil
}

// checkpointAside copies the log of a committed apply into the database
// on a connection of its own, while the apply goes on to the zones; Close
// waits for it. What it copies is committed and synced already: if it
// fails or the process stops first, a later checkpoint copies it. The log
// is then cut to nothing: SQLite only deletes it when the last connection
// closes, and the mail servers keep theirs open, so a large import's log
// would stay beside the database until the next apply. Cutting it waits,
// up to the busy timeout, for readers still reading from it; readers that
// start after the copy read the database.
func (b *Backend) checkpointAside() {
	b.checkpoints.Add(1)
	go func() {
		defer b.checkpoints.Done()
		b.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)")
	}()
}

// deferIndexes drops, in an SQLite apply that creates more mailboxes and
// aliases than the mailbox table holds (a first import, or one that more
// than doubles it), the secondary indexes of the mailbox and alias tables,
// and returns the statements that build them again at the end of the
// transaction. Rows are written in address order, so their keys' indexes
// grow at one end; the domain indexes are written all over, and keeping
// them up to date row by row costs several times what building them from
// the finished tables does. Readers never see the tables without them:
// the transaction commits with them built.
func deferIndexes(ctx context.Context, tx *sql.Tx, creates int) ([]string, error) {
	if creates <= largeApply {
		return nil, nil
	}
	var rows int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM mailbox`).Scan(&rows); err != nil || creates <= rows {
		return nil, err
	}
	// Indexes made by CREATE INDEX have their statement; those of keys
	// and UNIQUE constraints have none, and stay.
	list, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND tbl_name IN ('mailbox', 'alias') AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names, stmts []string
	for list.Next() {
		var name, create string
		if err := list.Scan(&name, &create); err != nil {
			list.Close()
			return nil, err
		}
		names, stmts = append(names, name), append(stmts, create)
	}
	list.Close()
	if err := list.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(name, `"`, `""`)+`"`); err != nil {
			return nil, err
		}
	}
	return stmts, nil
}

// largeApply is the number of new mailboxes and aliases above which an
// SQLite apply reads with a larger page cache and may build indexes after
// the rows.
const largeApply = 1000

// rowCreates counts the mailboxes and aliases ops create.
func rowCreates(ops []mail.Op) int {
	n := 0
	for _, op := range ops {
		if op.Action == mail.Create && (op.Mailbox != nil || op.Alias != nil) {
			n++
		}
	}
	return n
}

type writer struct {
	ctx     context.Context
	tx      *sql.Tx
	d       dialect
	owner   string
	clock   func() time.Time
	started time.Time       // the apply's time, once read (at)
	stamp   string          // and as the tables store it (now)
	taken   map[string]bool // mail directories in use that are not their mailbox's usual one
	// The statements prepared in this transaction, by query: a large
	// apply runs a few queries once per mailbox, and parsing the SQL
	// again every time is a large part of its work. The transaction's
	// end closes them.
	stmts map[string]*sql.Stmt
	// The upsert query of each table, built once.
	upserts map[string]upsertQuery
	// On PostgreSQL, upserts wait here, by table in the order the tables
	// were first written, and go as inserts of many rows: each statement
	// is a round trip to the server, and a first import of 100,000
	// mailboxes made 300,000 of them. Any other statement or read sends
	// them first, so every statement sees what came before it; the
	// tables have no foreign keys or triggers, so rows of one table sent
	// before those of another change nothing.
	queued  []*queuedRows
	current string // the operation being written, named by a queued row's error
}

type upsertQuery struct {
	cols       int
	q          string
	head, tail string // q around its one row of placeholders
	key        []int  // the key columns' places
}

// queuedRows are upserts of one table waiting to be sent together.
type queuedRows struct {
	table       string
	u           upsertQuery
	args        []any
	rows        int
	keys        map[string]bool // a key twice sends the first first
	first, last string          // the operations of the first and the last row
}

// maxParams is how many values PostgreSQL takes in one statement.
const maxParams = 65535

func (w *writer) exec(query string, args ...any) error {
	if err := w.flush(); err != nil {
		return err
	}
	stmt, ok := w.stmts[query]
	if !ok {
		var err error
		if stmt, err = w.tx.PrepareContext(w.ctx, w.d.rebind(query)); err != nil {
			return err
		}
		if w.stmts == nil {
			w.stmts = map[string]*sql.Stmt{}
		}
		w.stmts[query] = stmt
	}
	_, err := stmt.ExecContext(w.ctx, args...)
	return err
}

// upsert inserts a row, or updates every column but the key when a row
// with that key exists. keep lists columns set only on insert. Each table
// is written by one call site, always with the same columns.
func (w *writer) upsert(table string, key []string, cols []string, vals []any, keep ...string) error {
	u, ok := w.upserts[table]
	if !ok || u.cols != len(cols) {
		var set []string
		u = upsertQuery{cols: len(cols), head: fmt.Sprintf("INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))}
		for i, c := range cols {
			if contains(key, c) {
				u.key = append(u.key, i)
			} else if !contains(keep, c) {
				set = append(set, c+" = excluded."+c)
			}
		}
		u.tail = fmt.Sprintf(" ON CONFLICT (%s) DO ", strings.Join(key, ", "))
		if len(set) == 0 {
			u.tail += "NOTHING"
		} else {
			u.tail += "UPDATE SET " + strings.Join(set, ", ")
		}
		u.q = u.head + rowMarks(len(cols)) + u.tail
		if w.upserts == nil {
			w.upserts = map[string]upsertQuery{}
		}
		w.upserts[table] = u
	}
	if w.d.name != "postgres" {
		return w.exec(u.q, vals...)
	}
	return w.queue(table, u, vals)
}

// rowMarks is one row of n placeholders: (?, ?, ?).
func rowMarks(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// queue puts an upsert with the others of its table; a full batch, or a
// key already waiting (one statement may not write a row twice), sends
// what waits.
func (w *writer) queue(table string, u upsertQuery, vals []any) error {
	var q *queuedRows
	for _, x := range w.queued {
		if x.table == table && x.u.cols == u.cols {
			q = x
		}
	}
	if q == nil {
		q = &queuedRows{table: table, u: u, keys: map[string]bool{}}
		w.queued = append(w.queued, q)
	}
	var b strings.Builder
	for _, i := range u.key {
		fmt.Fprint(&b, vals[i], "\x00")
	}
	key := b.String()
	if q.keys[key] {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if q.rows == 0 {
		q.first = w.current
	}
	q.args = append(q.args, vals...)
	q.rows++
	q.keys[key] = true
	q.last = w.current
	if (q.rows+1)*u.cols > maxParams || q.rows >= 1000 {
		return w.flush()
	}
	return nil
}

// flush sends the queued upserts, a statement per table.
func (w *writer) flush() error {
	for _, q := range w.queued {
		if q.rows == 0 {
			continue
		}
		var b strings.Builder
		b.WriteString(q.u.head)
		row := rowMarks(q.u.cols)
		for i := range q.rows {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
		}
		b.WriteString(q.u.tail)
		if _, err := w.tx.ExecContext(w.ctx, w.d.rebind(b.String()), q.args...); err != nil {
			return &queuedError{table: q.table, first: q.first, last: q.last, rows: q.rows, err: err}
		}
		clear(q.keys)
		q.args, q.rows = q.args[:0], 0
	}
	return nil
}

// queuedError is a failed write of queued rows. It names the operations
// they came from, not the one being written when they were sent.
type queuedError struct {
	table, first, last string
	rows               int
	err                error
}

func (e *queuedError) Error() string {
	if e.rows == 1 {
		return fmt.Sprintf("%s: %v", e.first, e.err)
	}
	return fmt.Sprintf("%s to %s (%d rows of %s, written together): %v", e.first, e.last, e.rows, e.table, e.err)
}

func (e *queuedError) Unwrap() error { return e.err }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (w *writer) op(op mail.Op) error {
	var err error
	switch {
	case op.Tenant != nil:
		w.current = "tenant " + op.Tenant.Name
		err = w.tenant(op.Action, op.Tenant)
	case op.Domain != nil:
		w.current = "domain " + op.Domain.Name
		err = w.domain(op.Action, op.Domain)
	case op.AliasDomain != nil:
		w.current = "alias domain " + op.AliasDomain.Name
		err = w.aliasDomain(op.Action, op.AliasDomain)
	case op.Mailbox != nil:
		w.current = "mailbox " + op.Mailbox.Address
		err = w.mailbox(op.Action, op.Mailbox)
	case op.Alias != nil:
		w.current = "alias " + op.Alias.Address
		err = w.alias(op.Action, op.Alias)
	case op.RelayUser != nil:
		w.current = "relay user " + op.RelayUser.Name
		err = w.relayUser(op.Action, op.RelayUser)
	case op.DKIMKey != nil:
		w.current = "DKIM key " + op.DKIMKey.Selector + "._domainkey." + op.DKIMKey.Domain
		err = w.dkimKey(op.Action, op.DKIMKey)
	default:
		return fmt.Errorf("empty operation")
	}
	var queued *queuedError
	if err != nil && !errors.As(err, &queued) {
		return fmt.Errorf("%s: %w", w.current, err)
	}
	return err
}

// tenant writes a tenant and its managers. Its old managers are gone
// already (clearFirst).
func (w *writer) tenant(a mail.Action, t *mail.Tenant) error {
	if a == mail.Delete {
		return w.exec(`DELETE FROM mf_tenant WHERE name = ?`, t.Name)
	}
	if err := w.upsert("mf_tenant", []string{"name"},
		[]string{"name", "owner", "display_name", "max_mailboxes", "max_quota", "require_2fa"},
		[]any{t.Name, w.owner, t.DisplayName, t.MaxMailboxes, t.MaxQuota, t.Require2FA}); err != nil {
		return err
	}
	for _, m := range t.Managers {
		if err := w.upsert("mf_manager", []string{"tenant", "address"}, []string{"tenant", "address", "name", "domains"},
			[]any{t.Name, m.Address, m.Name, joinList(m.Domains)}); err != nil {
			return err
		}
	}
	return nil
}

// domain writes a domain and its mf_domain row, and its catch-all as an
// alias row for "@domain". Its old catch-all is gone already
// (clearFirst).
func (w *writer) domain(a mail.Action, d *mail.Domain) error {
	if a == mail.Delete {
		if err := w.exec(`DELETE FROM mf_domain WHERE domain = ?`, d.Name); err != nil {
			return err
		}
		return w.exec(`DELETE FROM domain WHERE domain = ?`, d.Name)
	}
	if err := w.upsert("domain", []string{"domain"},
		[]string{"domain", "description", "mailboxes", "maxquota", "active", "created", "modified"},
		[]any{d.Name, d.Tenant, d.MaxMailboxes, d.MaxQuota / (1 << 20), d.Active, w.now(), w.now()}, "created"); err != nil {
		return err
	}
	svc := func(s string) bool { return contains(d.Services, s) }
	var logo any
	if d.LogoSHA256 != "" {
		logo = d.Logo
	}
	if err := w.upsert("mf_domain", []string{"domain"},
		[]string{"domain", "tenant", "branding", "max_quota", "default_quota", "default_send_limit", "imap", "pop3", "smtp", "webmail",
			"allowed_ips", "require_2fa", "custom_hostname", "custom_title", "custom_logo", "custom_logo_sha256", "verification_token", "purge_deleted_mail", "verified"},
		[]any{d.Name, d.Tenant, d.Branding, d.MaxQuota, d.DefaultQuota, d.DefaultSendLimit, svc("imap"), svc("pop3"), svc("smtp"), svc("webmail"),
			joinList(d.AllowedIPs), d.Require2FA, d.CustomHostname, d.CustomTitle, logo, d.LogoSHA256, d.VerificationToken, d.PurgeDeletedMail, d.Verified}); err != nil {
		return err
	}
	if d.CatchAll != "" {
		return w.upsertAlias("@"+d.Name, []string{d.CatchAll}, d.Name, true)
	}
	return nil
}

// clearFirst deletes, up front and a few hundred a statement, what the
// ops' tenants and domains write again whole: each tenant's managers and
// each domain's catch-all. Each tenant's and domain's write used to start
// with a DELETE of its own, and on PostgreSQL every such statement first
// sent the upserts queued before it, so that the domains of a first
// import went to the server one at a time.
func (w *writer) clearFirst(ops []mail.Op) error {
	var tenants, catchAlls []any
	for _, op := range ops {
		switch {
		case op.Tenant != nil:
			tenants = append(tenants, op.Tenant.Name)
		case op.Domain != nil:
			catchAlls = append(catchAlls, "@"+op.Domain.Name)
		}
	}
	if err := w.deleteIn("mf_manager", "tenant", tenants); err != nil {
		return fmt.Errorf("managers: %w", err)
	}
	if err := w.deleteIn("alias", "address", catchAlls); err != nil {
		return fmt.Errorf("catch-alls: %w", err)
	}
	return nil
}

// deleteIn deletes the rows of table whose column holds one of keys.
func (w *writer) deleteIn(table, column string, keys []any) error {
	return inChunks(keys, func(chunk []any) error {
		return w.exec("DELETE FROM "+table+" WHERE "+column+" IN "+rowMarks(len(chunk)), chunk...)
	})
}

// inChunks passes keys to f a few hundred at a time, for a statement that
// lists them after IN, until f fails.
func inChunks(keys []any, f func(chunk []any) error) error {
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := f(keys[:n]); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

func (w *writer) aliasDomain(a mail.Action, ad *mail.AliasDomain) error {
	if a == mail.Delete {
		if err := w.exec(`DELETE FROM mf_alias_domain WHERE alias_domain = ?`, ad.Name); err != nil {
			return err
		}
		return w.exec(`DELETE FROM alias_domain WHERE alias_domain = ?`, ad.Name)
	}
	if err := w.upsert("alias_domain", []string{"alias_domain"},
		[]string{"alias_domain", "target_domain", "active", "created", "modified"},
		[]any{ad.Name, ad.Target, ad.Active, w.now(), w.now()}, "created"); err != nil {
		return err
	}
	return w.upsert("mf_alias_domain", []string{"alias_domain"},
		[]string{"alias_domain", "verification_token", "verified"}, []any{ad.Name, ad.VerificationToken, ad.Verified})
}

// mailbox writes a mailbox, its mf_mailbox row and its alias row, which
// PostfixAdmin's layout uses for forwarding: the goto list holds the
// mailbox itself when it keeps a copy, and the forward destinations.
func (w *writer) mailbox(a mail.Action, m *mail.Mailbox) error {
	if a == mail.Delete {
		if err := w.exec(`DELETE FROM alias WHERE address = ?`, m.Address); err != nil {
			return err
		}
		if err := w.exec(`UPDATE mailbox SET active = ?, modified = ? WHERE username = ?`, false, w.now(), m.Address); err != nil {
			return err
		}
		purgeAt, err := w.purgeAt(m.PurgeAfter)
		if err != nil {
			return err
		}
		return w.exec(`UPDATE mf_mailbox SET retired = ?, purge_at = ? WHERE username = ?`, w.now(), purgeAt, m.Address)
	}
	local, domain, _ := strings.Cut(m.Address, "@")
	if a == mail.Update && m.MovedFrom != "" {
		if err := w.move(m.MovedFrom, m.Address, local, domain); err != nil {
			return err
		}
	}
	hash, err := m.Password.ForStorage()
	if err != nil {
		return err
	}
	dir, err := w.maildir(m.Address, domain, local)
	if err != nil {
		return err
	}
	if err := w.upsert("mailbox", []string{"username"},
		[]string{"username", "password", "name", "maildir", "quota", "local_part", "domain", "active", "created", "modified"},
		[]any{m.Address, hash, m.Name, dir, m.Quota, local, domain, m.Active, w.now(), w.now()},
		"maildir", "created"); err != nil {
		return err
	}
	svc := func(s string) bool { return contains(m.Services, s) }
	var subject, body string
	var start, end any
	script := m.Autoresponder.Sieve()
	if ar := m.Autoresponder; ar != nil {
		subject, body, start, end = ar.Subject, ar.Body, formatTime(ar.Start), formatTime(ar.End)
	}
	years, delegates := 0, ""
	if ar := m.Archive; ar != nil {
		years, delegates = ar.RetentionYears, joinList(ar.Delegates)
	}
	if err := w.upsert("mf_mailbox", []string{"username"},
		[]string{"username", "imap", "pop3", "smtp", "webmail", "allow_nets", "send_limit", "require_2fa", "postmaster",
			"archive_years", "archive_delegates", "autoreply", "autoreply_subject", "autoreply_body", "autoreply_start", "autoreply_end", "retired", "purge_at", "sieve_id", "sieve_script"},
		[]any{m.Address, svc("imap"), svc("pop3"), svc("smtp"), svc("webmail"), joinList(m.AllowedIPs), m.SendLimit, m.Require2FA, m.Postmaster,
			years, delegates, m.Autoresponder != nil, subject, body, start, end, nil, nil, mail.SieveID(script), script}); err != nil {
		return err
	}
	to := []string{m.Address}
	if len(m.Forward) > 0 {
		to = append(to[:0:0], m.Forward...)
		if m.KeepCopy {
			to = append([]string{m.Address}, to...)
		}
	}
	return w.upsertAlias(m.Address, to, domain, m.Active)
}

// move renames a mailbox's rows from one address to another. Its maildir
// column stays, so the mail servers find its mail where it was. A retired
// mailbox under the new address gives way (its mail stays on disk).
func (w *writer) move(from, to, local, domain string) error {
	retired := `SELECT username FROM mf_mailbox WHERE username = ? AND retired IS NOT NULL`
	if err := w.exec(`DELETE FROM mailbox WHERE username IN (`+retired+`)`, to); err != nil {
		return err
	}
	if err := w.exec(`DELETE FROM mf_mailbox WHERE username = ? AND retired IS NOT NULL`, to); err != nil {
		return err
	}
	if err := w.exec(`DELETE FROM alias WHERE address = ?`, from); err != nil {
		return err
	}
	if err := w.loadTaken(); err != nil {
		return err
	}
	var dir string
	if err := w.flush(); err != nil {
		return err
	}
	if err := w.tx.QueryRowContext(w.ctx, w.d.rebind(`SELECT maildir FROM mailbox WHERE username = ?`), from).Scan(&dir); err != nil {
		return fmt.Errorf("read the mail directory of %s: %w", from, err)
	}
	w.taken[dir] = true
	if err := w.exec(`UPDATE mailbox SET username = ?, local_part = ?, domain = ?, modified = ? WHERE username = ?`, to, local, domain, w.now(), from); err != nil {
		return err
	}
	return w.exec(`UPDATE mf_mailbox SET username = ? WHERE username = ?`, to, from)
}

// maildir is the mail directory, under the mail servers' root, of a new
// mailbox: <domain>/<local part>/, with "%" and "/" of the local part
// written %25 and %2F, so that no mailbox's directory lies inside
// another's. When a renamed mailbox still uses that directory, the new one
// gets a suffix no local part has: <domain>/<local part>@2/. A mailbox
// that has a row keeps the directory it has (see upsert's keep).
func (w *writer) maildir(address, domain, local string) (string, error) {
	if err := w.loadTaken(); err != nil {
		return "", err
	}
	escaped := escapeLocal(local)
	base := domain + "/" + escaped
	dir := base + "/"
	for n := 2; ; n++ {
		taken := w.taken[dir]
		if !taken && escaped != local {
			// Rows from before escaping may use the escaped spelling.
			var users int
			if err := w.flush(); err != nil {
				return "", err
			}
			if err := w.tx.QueryRowContext(w.ctx, w.d.rebind(`SELECT COUNT(*) FROM mailbox WHERE maildir = ? AND username <> ?`), dir, address).Scan(&users); err != nil {
				return "", err
			}
			taken = users > 0
		}
		if !taken {
			// Another new mailbox's usual directory is another address's,
			// so only a suffixed one need be remembered.
			if n > 2 {
				w.taken[dir] = true
			}
			return dir, nil
		}
		dir = fmt.Sprintf("%s@%d/", base, n)
	}
}

// loadTaken reads, once per apply, the mail directories that are not
// their mailbox's usual one: those renamed mailboxes kept. The index of
// schema version 5 holds just those rows.
func (w *writer) loadTaken() error {
	if w.taken != nil {
		return nil
	}
	w.taken = map[string]bool{}
	if err := w.flush(); err != nil {
		return err
	}
	rows, err := w.tx.QueryContext(w.ctx, `SELECT maildir FROM mailbox WHERE `+keptMaildir)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var dir string
		if err := rows.Scan(&dir); err != nil {
			return err
		}
		w.taken[dir] = true
	}
	return rows.Err()
}

// escapeLocal writes a local part as one directory name.
func escapeLocal(local string) string {
	return localEscaper.Replace(local)
}

// localEscaper is built once: building it costs more than using it.
var localEscaper = strings.NewReplacer("%", "%25", "/", "%2F")

func (w *writer) alias(a mail.Action, al *mail.Alias) error {
	if a == mail.Delete {
		return w.exec(`DELETE FROM alias WHERE address = ?`, al.Address)
	}
	_, domain, _ := strings.Cut(al.Address, "@")
	return w.upsertAlias(al.Address, al.Goto, domain, true)
}

// upsertAlias writes an alias row: an alias's, or a mailbox's own.
func (w *writer) upsertAlias(address string, to []string, domain string, active bool) error {
	return w.upsert("alias", []string{"address"},
		[]string{"address", "goto", "domain", "active", "created", "modified"},
		[]any{address, joinList(to), domain, active, w.now(), w.now()}, "created")
}

func (w *writer) relayUser(a mail.Action, u *mail.RelayUser) error {
	if a == mail.Delete {
		return w.exec(`DELETE FROM mf_relay_user WHERE name = ?`, u.Name)
	}
	hash, err := u.Password.ForStorage()
	if err != nil {
		return err
	}
	return w.upsert("mf_relay_user", []string{"name"},
		[]string{"name", "tenant", "password", "sender_domains", "sender_addresses", "active", "priority", "notes"},
		[]any{u.Name, u.Tenant, hash, joinList(u.SenderDomains), joinList(u.SenderAddresses), u.Active, u.Priority, u.Notes})
}

func (w *writer) dkimKey(a mail.Action, k *mail.DKIMKey) error {
	if a == mail.Delete {
		return w.exec(`DELETE FROM mf_dkim_key WHERE domain = ? AND selector = ?`, k.Domain, k.Selector)
	}
	if a == mail.Update {
		return w.exec(`UPDATE mf_dkim_key SET active = ? WHERE domain = ? AND selector = ?`, k.Active, k.Domain, k.Selector)
	}
	if k.PrivateKey == "" || k.PublicKey == "" {
		return fmt.Errorf("no key to store")
	}
	return w.upsert("mf_dkim_key", []string{"domain", "selector"},
		[]string{"domain", "selector", "algorithm", "bits", "public_key", "private_key", "active", "created"},
		[]any{k.Domain, k.Selector, k.Algorithm, k.Bits, k.PublicKey, k.PrivateKey, k.Active, w.now()}, "created")
}

// purgeAt is when the mail of a mailbox retired now falls due for purging,
// after the period ("30d"); nil when there is none, and the mail is kept.
func (w *writer) purgeAt(period string) (any, error) {
	if period == "" {
		return nil, nil
	}
	p, err := schema.ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	return w.at().Add(time.Duration(p)).Format(timeLayout), nil
}

// now is the time written into created/modified/retired columns: the
// apply's, read once. The rows of one transaction share it, as they do in
// PostgreSQL, where now() is the transaction's start. SQLite's
// CURRENT_TIMESTAMP, as a column's default, reads the clock again for
// every row, through a system call.
func (w *writer) now() string {
	w.at()
	return w.stamp
}

// at is the apply's time, read from the clock at its first use.
func (w *writer) at() time.Time {
	if w.started.IsZero() {
		w.started = w.clock().UTC()
		w.stamp = w.started.Format(timeLayout)
	}
	return w.started
}

// timeLayout is how the tables store a moment: UTC, so that text order is
// time order.
const timeLayout = "2006-01-02 15:04:05"
