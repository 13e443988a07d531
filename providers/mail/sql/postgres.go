package sql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/lock"
	"github.com/mailform/mailform/providers/mail"
)

func init() {
	providers.RegisterMail("postgres", func(ctx context.Context, cfg providers.Config) (mail.Backend, error) {
		dsn, err := cfg.Secret("dsn")
		if err != nil {
			return nil, err
		}
		password, err := cfg.Secret("password")
		if err != nil {
			return nil, err
		}
		return OpenPostgres(ctx, dsn, password, cfg.String("owner", DefaultOwner))
	})
}

var postgres = dialect{
	name: "postgres",
	types: map[string]string{
		"{{bool}}": "BOOLEAN", "{{blob}}": "BYTEA", "{{bigint}}": "BIGINT",
		"{{ts}}": "TEXT", "{{now}}": "(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'))",
		"{{false}}": "FALSE", "{{true}}": "TRUE",
	},
	rebind:   numberedPlaceholders,
	snapshot: &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
}

// numberedPlaceholders turns ? into $1, $2, … outside quoted strings.
func numberedPlaceholders(q string) string {
	var b strings.Builder
	n, quoted := 0, false
	for _, r := range q {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '?' && !quoted:
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// applyLockKey is the PostgreSQL advisory lock that apply holds: one per
// database, whatever the owner, so that two configs sharing a database
// never write at the same time.
const applyLockKey int64 = 0x6d61696c666f726d // "mailform"

// OpenPostgres connects to the PostgreSQL database of dsn (a postgres://
// URL or key=value string), with password when the DSN holds none, and
// brings its schema up to date.
func OpenPostgres(ctx context.Context, dsn, password, owner string) (*Backend, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message can quote the DSN, password included.
		return nil, fmt.Errorf("postgres: the dsn is not a valid PostgreSQL connection string (postgres://user@host:port/database)")
	}
	if password != "" && cfg.Password == "" {
		cfg.Password = password
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "mailform"
	}
	where := fmt.Sprintf("postgres %s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(4)
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", where, redact(err, cfg.Password))
	}
	b := &Backend{db: db, dialect: postgres, owner: owner, where: where, now: time.Now}
	if err := b.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", where, redact(err, cfg.Password))
	}
	return b, nil
}

// redact keeps a password out of an error that may quote the connection.
func redact(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "(sensitive)"))
}

// lockPostgres takes the database's advisory lock on a connection of its
// own, which holds it until unlock or until the session ends: a killed
// apply cannot leave it behind. The holder's description is kept in
// mf_meta for whoever finds the lock taken.
func (b *Backend) lockPostgres(ctx context.Context, holder string, wait time.Duration) (func() error, error) {
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.where, err)
	}
	err = lock.Poll(ctx, "mail backend "+b.where, wait, func() (bool, error) {
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, applyLockKey).Scan(&got); err != nil {
			return false, fmt.Errorf("%s: lock: %w", b.where, err)
		}
		return got, nil
	}, func() string {
		var who string
		conn.QueryRowContext(ctx, `SELECT value FROM mf_meta WHERE key = 'lock_holder'`).Scan(&who)
		return who
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	// The holder is kept in mf_meta, which a new database gets here: under
	// the lock, so that two runners never create it at once.
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS mf_meta (key VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, applyLockKey)
		conn.Close()
		return nil, fmt.Errorf("%s: lock: %w", b.where, err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO mf_meta (key, value) VALUES ('lock_holder', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, holder); err != nil {
		conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, applyLockKey)
		conn.Close()
		return nil, fmt.Errorf("%s: lock: %w", b.where, err)
	}
	return func() error {
		ctx := context.Background()
		conn.ExecContext(ctx, `DELETE FROM mf_meta WHERE key = 'lock_holder'`)
		_, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, applyLockKey)
		conn.Close()
		return err
	}, nil
}
