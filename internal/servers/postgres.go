package servers

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/mailform/mailform/internal/testenv"
)

// Postgres is a PostgreSQL cluster of its own, started once per test
// binary: initdb, trust authentication, fsync off.
type Postgres struct {
	Port int
	dir  string
	cmd  *exec.Cmd
}

var (
	pgOnce sync.Once
	pg     *Postgres
	pgErr  error
	pgDBs  atomic.Int64
)

// StartPostgres returns the test binary's PostgreSQL, starting it on first
// use.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		if testenv.CI() {
			t.Fatal("PostgreSQL is missing under CI=true: install the Debian package postgresql (scripts/test.sh does)")
		}
		t.Skip("PostgreSQL not installed (package postgresql); under CI=true this is a failure")
	}
	pgOnce.Do(func() { pg, pgErr = startPostgres(bin, FreePort(t)) })
	if pgErr != nil {
		t.Fatalf("start PostgreSQL: %v", pgErr)
	}
	return pg
}

// postgresBin is the newest installed server's bin directory.
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(dirs) == 0 {
		return ""
	}
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[j]))))
		return vi > vj
	})
	return filepath.Dir(dirs[0])
}

func startPostgres(bin string, port int) (*Postgres, error) {
	attr, uid, gid, err := credential("postgres")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mailform-pg-")
	if err != nil {
		return nil, err
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	initdb.SysProcAttr = attr
	if err := run(initdb); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "server.log")
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(port), "-k", dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.SysProcAttr = attr
	if err := startLogged(cmd, logPath); err != nil {
		return nil, err
	}
	p := &Postgres{Port: port, dir: dir, cmd: cmd}
	onStop(func() {
		stopProcess(cmd, syscall.SIGINT, 10*time.Second) // fast shutdown
		os.RemoveAll(dir)
	})
	if err := WaitPort(port, 30*time.Second); err != nil {
		b, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%w\n%s", err, b)
	}
	// Accepting connections is not yet accepting logins: wait for one.
	db, err := sql.Open("pgx", p.DSN("postgres"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	for i := 0; ; i++ {
		if err = db.Ping(); err == nil {
			return p, nil
		}
		if i == 200 {
			return nil, err
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// DSN is the connection URL of one database, as the superuser.
func (p *Postgres) DSN(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, database)
}

// NewDatabase creates an empty database and returns its name.
func (p *Postgres) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("mailtest_%d", pgDBs.Add(1))
	db, err := sql.Open("pgx", p.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return name
}

// Count runs a query returning one number in database.
func (p *Postgres) Count(database, query string) (int64, error) {
	db, err := sql.Open("pgx", p.DSN(database))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	err = db.QueryRow(query).Scan(&n)
	return n, err
}
