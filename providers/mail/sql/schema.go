package sql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mailform/mailform/providers/lock"
	"github.com/mailform/mailform/providers/mail"
)

// dialect is what differs between the SQL databases the backend runs on.
type dialect struct {
	name  string
	types map[string]string // {{bool}}, {{blob}}, … in the migrations
	// rebind turns the ? placeholders of a query into the database's.
	rebind func(string) string
	// snapshot is how Read begins its transaction: one consistent view of
	// every table.
	snapshot *sql.TxOptions
}

var sqlite = dialect{
	name: "sqlite",
	types: map[string]string{
		"{{bool}}": "INTEGER", "{{blob}}": "BLOB", "{{bigint}}": "INTEGER",
		"{{ts}}": "TEXT", "{{now}}": "CURRENT_TIMESTAMP", "{{false}}": "0", "{{true}}": "1",
	},
	rebind:   func(q string) string { return q },
	snapshot: &sql.TxOptions{ReadOnly: true},
}

// migration is one step of the schema. Steps are never edited once released:
// a change is a new step.
type migration struct {
	version    int
	statements []string
	// data, when set, rewrites rows in the same transaction, after the
	// statements.
	data func(context.Context, *sql.Tx, dialect) error
}

// migrations build the schema. The core tables are PostfixAdmin's (domain,
// mailbox, alias, alias_domain) with the columns its Postfix and Dovecot
// queries read; mailform's own data is in the mf_ tables beside them.
var migrations = []migration{{1, []string{
	`CREATE TABLE domain (
		domain      VARCHAR(255) NOT NULL PRIMARY KEY,
		description VARCHAR(255) NOT NULL DEFAULT '',
		aliases     INTEGER NOT NULL DEFAULT 0,
		mailboxes   INTEGER NOT NULL DEFAULT 0,
		maxquota    {{bigint}} NOT NULL DEFAULT 0,
		quota       {{bigint}} NOT NULL DEFAULT 0,
		transport   VARCHAR(255) NOT NULL DEFAULT 'virtual',
		backupmx    {{bool}} NOT NULL DEFAULT {{false}},
		created     {{ts}} NOT NULL DEFAULT {{now}},
		modified    {{ts}} NOT NULL DEFAULT {{now}},
		active      {{bool}} NOT NULL DEFAULT {{true}}
	)`,
	`CREATE TABLE mailbox (
		username   VARCHAR(255) NOT NULL PRIMARY KEY,
		password   VARCHAR(255) NOT NULL,
		name       VARCHAR(255) NOT NULL DEFAULT '',
		maildir    VARCHAR(255) NOT NULL,
		quota      {{bigint}} NOT NULL DEFAULT 0,
		local_part VARCHAR(255) NOT NULL,
		domain     VARCHAR(255) NOT NULL,
		created    {{ts}} NOT NULL DEFAULT {{now}},
		modified   {{ts}} NOT NULL DEFAULT {{now}},
		active     {{bool}} NOT NULL DEFAULT {{true}}
	)`,
	`CREATE INDEX mailbox_domain ON mailbox (domain)`,
	`CREATE TABLE alias (
		address  VARCHAR(255) NOT NULL PRIMARY KEY,
		goto     TEXT NOT NULL,
		domain   VARCHAR(255) NOT NULL,
		created  {{ts}} NOT NULL DEFAULT {{now}},
		modified {{ts}} NOT NULL DEFAULT {{now}},
		active   {{bool}} NOT NULL DEFAULT {{true}}
	)`,
	`CREATE INDEX alias_domain_idx ON alias (domain)`,
	`CREATE TABLE alias_domain (
		alias_domain  VARCHAR(255) NOT NULL PRIMARY KEY,
		target_domain VARCHAR(255) NOT NULL,
		created       {{ts}} NOT NULL DEFAULT {{now}},
		modified      {{ts}} NOT NULL DEFAULT {{now}},
		active        {{bool}} NOT NULL DEFAULT {{true}}
	)`,
	`CREATE INDEX alias_domain_target ON alias_domain (target_domain)`,
	`CREATE TABLE mf_tenant (
		name          VARCHAR(255) NOT NULL PRIMARY KEY,
		owner         VARCHAR(255) NOT NULL DEFAULT 'default',
		display_name  VARCHAR(255) NOT NULL DEFAULT '',
		max_mailboxes INTEGER NOT NULL DEFAULT 0,
		max_quota     {{bigint}} NOT NULL DEFAULT 0,
		require_2fa   {{bool}} NOT NULL DEFAULT {{false}}
	)`,
	`CREATE TABLE mf_manager (
		tenant  VARCHAR(255) NOT NULL,
		address VARCHAR(255) NOT NULL,
		name    VARCHAR(255) NOT NULL DEFAULT '',
		domains TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (tenant, address)
	)`,
	`CREATE TABLE mf_domain (
		domain             VARCHAR(255) NOT NULL PRIMARY KEY,
		tenant             VARCHAR(255) NOT NULL,
		branding           VARCHAR(16) NOT NULL DEFAULT 'none',
		max_quota          {{bigint}} NOT NULL DEFAULT 0,
		default_quota      {{bigint}} NOT NULL DEFAULT 0,
		default_send_limit INTEGER NOT NULL DEFAULT 0,
		imap               {{bool}} NOT NULL DEFAULT {{true}},
		pop3               {{bool}} NOT NULL DEFAULT {{true}},
		smtp               {{bool}} NOT NULL DEFAULT {{true}},
		webmail            {{bool}} NOT NULL DEFAULT {{true}},
		allowed_ips        TEXT NOT NULL DEFAULT '',
		require_2fa        {{bool}} NOT NULL DEFAULT {{false}},
		custom_hostname    VARCHAR(255) NOT NULL DEFAULT '',
		custom_title       VARCHAR(255) NOT NULL DEFAULT '',
		custom_logo        {{blob}},
		custom_logo_sha256 VARCHAR(64) NOT NULL DEFAULT '',
		verification_token VARCHAR(16) NOT NULL DEFAULT ''
	)`,
	`CREATE INDEX mf_domain_tenant ON mf_domain (tenant)`,
	`CREATE TABLE mf_alias_domain (
		alias_domain       VARCHAR(255) NOT NULL PRIMARY KEY,
		verification_token VARCHAR(16) NOT NULL DEFAULT ''
	)`,
	`CREATE TABLE mf_mailbox (
		username          VARCHAR(255) NOT NULL PRIMARY KEY,
		imap              {{bool}} NOT NULL DEFAULT {{true}},
		pop3              {{bool}} NOT NULL DEFAULT {{true}},
		smtp              {{bool}} NOT NULL DEFAULT {{true}},
		webmail           {{bool}} NOT NULL DEFAULT {{true}},
		allow_nets        TEXT NOT NULL DEFAULT '',
		send_limit        INTEGER NOT NULL DEFAULT 0,
		require_2fa       {{bool}} NOT NULL DEFAULT {{false}},
		postmaster        {{bool}} NOT NULL DEFAULT {{false}},
		archive_years     INTEGER NOT NULL DEFAULT 0,
		archive_delegates TEXT NOT NULL DEFAULT '',
		autoreply         {{bool}} NOT NULL DEFAULT {{false}},
		autoreply_subject TEXT NOT NULL DEFAULT '',
		autoreply_body    TEXT NOT NULL DEFAULT '',
		autoreply_start   {{ts}},
		autoreply_end     {{ts}},
		retired           {{ts}}
	)`,
	`CREATE TABLE mf_relay_user (
		name             VARCHAR(255) NOT NULL PRIMARY KEY,
		tenant           VARCHAR(255) NOT NULL,
		password         VARCHAR(255) NOT NULL,
		sender_domains   TEXT NOT NULL DEFAULT '',
		sender_addresses TEXT NOT NULL DEFAULT '',
		active           {{bool}} NOT NULL DEFAULT {{true}},
		priority         VARCHAR(16) NOT NULL DEFAULT 'normal',
		notes            TEXT NOT NULL DEFAULT ''
	)`,
	`CREATE TABLE mf_dkim_key (
		domain      VARCHAR(255) NOT NULL,
		selector    VARCHAR(255) NOT NULL,
		algorithm   VARCHAR(16) NOT NULL,
		bits        INTEGER NOT NULL DEFAULT 0,
		public_key  TEXT NOT NULL,
		private_key TEXT NOT NULL,
		active      {{bool}} NOT NULL DEFAULT {{false}},
		created     {{ts}} NOT NULL DEFAULT {{now}},
		PRIMARY KEY (domain, selector)
	)`,
}, nil}, {2, []string{
	// The automatic reply as a Sieve script, which Dovecot reads through
	// the mf_sieve view (a dict) before the user's own scripts.
	`ALTER TABLE mf_mailbox ADD COLUMN sieve_id VARCHAR(64) NOT NULL DEFAULT ''`,
	`ALTER TABLE mf_mailbox ADD COLUMN sieve_script TEXT NOT NULL DEFAULT ''`,
	`CREATE VIEW mf_sieve AS
		SELECT username, 'mailform' AS name,
			CASE WHEN sieve_script = '' THEN 'none' ELSE sieve_id END AS id,
			CASE WHEN sieve_script = '' THEN '/* no automatic reply */' ELSE sieve_script END AS script
		FROM mf_mailbox`,
	// What Dovecot needs of a mailbox that may log in, with the services
	// and networks of the mailbox and of its domain already combined.
	`CREATE VIEW mf_dovecot_user AS
		SELECT m.username, m.password, m.maildir, m.quota,
			COALESCE(NULLIF(x.allow_nets, ''), NULLIF(xd.allowed_ips, '')) AS allow_nets,
			(COALESCE(x.imap, {{true}}) AND COALESCE(xd.imap, {{true}})) AS imap,
			(COALESCE(x.pop3, {{true}}) AND COALESCE(xd.pop3, {{true}})) AS pop3,
			(COALESCE(x.smtp, {{true}}) AND COALESCE(xd.smtp, {{true}})) AS smtp
		FROM mailbox m
		JOIN domain d ON d.domain = m.domain
		LEFT JOIN mf_mailbox x ON x.username = m.username
		LEFT JOIN mf_domain xd ON xd.domain = m.domain
		WHERE m.active AND d.active`,
}, writeSieveScripts}, {3, []string{
	// How long after its deletion a mailbox's mail is purged from the mail
	// host ('' keeps it), and when a retired mailbox falls due.
	`ALTER TABLE mf_domain ADD COLUMN purge_deleted_mail VARCHAR(16) NOT NULL DEFAULT ''`,
	`ALTER TABLE mf_mailbox ADD COLUMN purge_at {{ts}}`,
}, nil}, {4, []string{
	// Whether the domain's ownership was proven: the record seen on every
	// authoritative server. Domains stored before are taken as proven.
	`ALTER TABLE mf_domain ADD COLUMN verified {{bool}} NOT NULL DEFAULT {{true}}`,
	`ALTER TABLE mf_alias_domain ADD COLUMN verified {{bool}} NOT NULL DEFAULT {{true}}`,
}, nil}, {5, []string{
	// The mail directories that are not their mailbox's usual one, those
	// renamed mailboxes kept, which an apply reads before it gives a new
	// mailbox its directory. Without the index that read goes through
	// the whole table, however little the apply changes.
	`CREATE INDEX mailbox_kept_maildir ON mailbox (maildir) WHERE ` + keptMaildir,
}, nil}}

// keptMaildir holds for a mailbox whose directory is not
// <domain>/<local part>/. The index of schema version 5 and the query that
// reads it must spell it the same, for the database to see that the one
// serves the other.
const keptMaildir = `maildir <> domain || '/' || local_part || '/'`

// SchemaVersion is the version of the schema this build writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// schemaLockWait is how long setting up or upgrading the schema waits for
// the apply lock. Only a new or older database needs the lock; a set-up
// takes well under a second, but the runner that made the schema may go on
// to hold the lock for its whole apply.
const schemaLockWait = 5 * time.Minute

// migrate brings the database to the current schema. A database that is
// current is only read. Otherwise the schema is set up under the apply
// lock, in one transaction that reads the version again first: of several
// runners opening a new database at once, one sets it up and the others
// find it done. A database newer than this build is refused rather than
// guessed at.
func (b *Backend) migrate(ctx context.Context) error {
	version, err := schemaVersion(ctx, b.db)
	switch {
	case err == nil && version == SchemaVersion():
		return nil
	case err == nil && version > SchemaVersion():
		return newerSchema(version)
	}
	// A new database has no mf_meta yet, and one being set up may be
	// locked: either way, the version is read again under the lock.
	unlock, done, err := b.lockSchema(ctx)
	if err != nil || done {
		return err
	}
	defer unlock()
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS mf_meta (key VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create mf_meta: %w", err)
	}
	if version, err = schemaVersion(ctx, tx); err != nil {
		return err
	}
	if version > SchemaVersion() {
		return newerSchema(version)
	}
	for _, m := range migrations {
		if m.version <= version {
			continue
		}
		for _, stmt := range m.statements {
			for k, v := range b.dialect.types {
				stmt = strings.ReplaceAll(stmt, k, v)
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("schema version %d: %w", m.version, err)
			}
		}
		if m.data != nil {
			if err := m.data(ctx, tx, b.dialect); err != nil {
				return fmt.Errorf("schema version %d: %w", m.version, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM mf_meta WHERE key = 'schema_version'`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, b.dialect.rebind(`INSERT INTO mf_meta (key, value) VALUES ('schema_version', ?)`), strconv.Itoa(SchemaVersion())); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("schema set-up: %w", err)
	}
	return nil
}

// lockSchema takes the apply lock to set up the schema. While another
// holds it, the version is looked at between tries: done is true when
// someone else brought the schema up to date meanwhile.
func (b *Backend) lockSchema(ctx context.Context) (unlock func() error, done bool, err error) {
	deadline := time.Now().Add(schemaLockWait)
	for {
		unlock, err := b.Lock(ctx, lock.Holder("mailform: schema set-up"), 0)
		if err == nil {
			return unlock, false, nil
		}
		if !errors.Is(err, lock.ErrHeld) || time.Now().After(deadline) {
			return nil, false, fmt.Errorf("schema set-up: %w", err)
		}
		if v, err := schemaVersion(ctx, b.db); err == nil && v == SchemaVersion() {
			return nil, true, nil
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// schemaVersion reads the schema's version: 0 for a database without
// one. An error is a database that cannot be read, or one without mf_meta.
func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v string
	switch err := q.QueryRowContext(ctx, `SELECT value FROM mf_meta WHERE key = 'schema_version'`).Scan(&v); err {
	case nil:
	case sql.ErrNoRows:
		return 0, nil
	default:
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %q is not a version", v)
	}
	return n, nil
}

func newerSchema(version int) error {
	return fmt.Errorf("the database has schema version %d, newer than this mailform knows (%d): upgrade mailform", version, SchemaVersion())
}

// writeSieveScripts gives the autoresponders stored before schema version
// 2 their Sieve script.
func writeSieveScripts(ctx context.Context, tx *sql.Tx, d dialect) error {
	rows, err := tx.QueryContext(ctx, `SELECT username, autoreply_subject, autoreply_body, autoreply_start, autoreply_end
		FROM mf_mailbox WHERE autoreply`)
	if err != nil {
		return err
	}
	type reply struct {
		user string
		ar   mail.Autoresponder
	}
	var replies []reply
	for rows.Next() {
		var r reply
		var start, end sql.NullString
		if err := rows.Scan(&r.user, &r.ar.Subject, &r.ar.Body, &start, &end); err != nil {
			rows.Close()
			return err
		}
		r.ar.Start, r.ar.End = parseTime(start), parseTime(end)
		replies = append(replies, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range replies {
		script := r.ar.Sieve()
		if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE mf_mailbox SET sieve_id = ?, sieve_script = ? WHERE username = ?`),
			mail.SieveID(script), script, r.user); err != nil {
			return err
		}
	}
	return nil
}
