// Package sql is the SQL mail backend: SQLite, the embedded default, and
// PostgreSQL, on one schema that Postfix and Dovecot read with plain
// SQL queries (see examples/servers).
//
// Read reads every table once; Apply writes in one transaction. Mailboxes
// are never deleted from the tables: a removed mailbox is retired (inactive,
// its mail left on disk) and comes back if it is created again.
//
// It never removes mail from disk (providers/mail/host does, on the mail
// host) and never decides what to write: it writes the operations it is
// given.
package sql

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/lock"
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

func init() {
	providers.RegisterMail("sqlite", func(ctx context.Context, cfg providers.Config) (mail.Backend, error) {
		return OpenSQLite(ctx, cfg.Path("path", schema.DefaultSQLitePath), cfg.String("owner", DefaultOwner))
	})
	providers.RegisterLocation("file", func(ctx context.Context, path string) (mail.Backend, error) {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("sqlite %s: %w", path, err)
		}
		return OpenSQLite(ctx, path, DefaultOwner)
	})
	for _, scheme := range []string{"postgres", "postgresql"} {
		providers.RegisterLocation(scheme, func(ctx context.Context, url string) (mail.Backend, error) {
			return OpenPostgres(ctx, url, "", DefaultOwner)
		})
	}
}

// DefaultOwner is the owner of a config's tenants when its backend block
// names none.
const DefaultOwner = "default"

// Backend is a mail backend on an SQL database.
type Backend struct {
	db       *sql.DB
	dialect  dialect
	owner    string
	where    string // the database, for messages
	lockPath string // SQLite: the file beside the database that apply locks
	now      func() time.Time
	// checkpoints are SQLite applies' logs being copied into the
	// database (checkpointAside).
	checkpoints sync.WaitGroup
}

// OpenSQLite opens (creating it if needed) the SQLite database at path and
// brings its schema up to date. WAL mode lets the mail servers read while
// mailform writes.
func OpenSQLite(ctx context.Context, path, owner string) (*Backend, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	b := &Backend{db: db, dialect: sqlite, owner: owner, where: "sqlite " + path, lockPath: path + ".lock", now: time.Now}
	if err := b.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	return b, nil
}

// Owner is the name this backend keeps the config's tenants under.
func (b *Backend) Owner() string { return b.owner }

// Capabilities: Apply is one transaction.
func (b *Backend) Capabilities() mail.Capabilities { return mail.Capabilities{Atomic: true} }

// Close closes the database, once the applies' logs are copied into it.
func (b *Backend) Close() error {
	b.checkpoints.Wait()
	return b.db.Close()
}

// Lock keeps a second apply off this database until unlock is called.
func (b *Backend) Lock(ctx context.Context, holder string, wait time.Duration) (func() error, error) {
	if b.lockPath == "" {
		return b.lockPostgres(ctx, holder, wait)
	}
	return lock.File(ctx, b.lockPath, "mail backend "+b.lockPath, holder, wait)
}

// Interface guards.
var (
	_ mail.Backend = (*Backend)(nil)
	_ lock.Locker  = (*Backend)(nil)
)
