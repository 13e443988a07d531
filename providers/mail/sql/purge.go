package sql

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/mailform/mailform/providers/mail"
)

// DuePurges lists the retired mailboxes whose purge falls due by now, each
// with any other mailbox whose directory overlaps its own. It reads the
// mailbox table once.
func (b *Backend) DuePurges(ctx context.Context, now time.Time) ([]mail.Retired, error) {
	tx, err := b.db.BeginTx(ctx, b.dialect.snapshot)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r := reader{ctx: ctx, tx: tx, d: b.dialect}
	var due []mail.Retired
	var dirs []userDir
	cutoff := now.UTC().Format(timeLayout)
	r.rows(`SELECT m.username, m.maildir, x.retired IS NOT NULL, COALESCE(x.purge_at, '')
		FROM mailbox m LEFT JOIN mf_mailbox x ON x.username = m.username`, func(s scan) error {
		var user, dir, at string
		var retired bool
		if err := s(&user, &dir, &retired, &at); err != nil {
			return err
		}
		dirs = append(dirs, userDir{dir, user})
		if retired && at != "" && at <= cutoff {
			t, _ := time.Parse(timeLayout, at)
			due = append(due, mail.Retired{Address: user, Maildir: dir, Due: t})
		}
		return nil
	})
	if r.err != nil {
		return nil, r.err
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].dir < dirs[j].dir })
	for i := range due {
		due[i].SharedWith = overlapping(dirs, due[i].Maildir, due[i].Address)
	}
	sort.Slice(due, func(i, j int) bool { return due[i].Address < due[j].Address })
	return due, nil
}

type userDir struct{ dir, user string }

// overlapping is a mailbox other than user whose directory is dir, lies
// inside it or holds it; dirs is sorted by directory.
func overlapping(dirs []userDir, dir, user string) string {
	// Directories that hold dir are its prefixes ending in "/".
	for i := range len(dir) - 1 {
		if dir[i] == '/' {
			if o := under(dirs, dir[:i+1], user, true); o != "" {
				return o
			}
		}
	}
	return under(dirs, dir, user, false)
}

// under is a mailbox other than user whose directory is dir, or (unless
// exact) lies inside it. Those sort right after dir.
func under(dirs []userDir, dir, user string, exact bool) string {
	for i := sort.Search(len(dirs), func(i int) bool { return dirs[i].dir >= dir }); i < len(dirs) && strings.HasPrefix(dirs[i].dir, dir); i++ {
		if exact && dirs[i].dir != dir {
			break
		}
		if dirs[i].user != user {
			return dirs[i].user
		}
	}
	return ""
}

// Forget deletes the rows of a purged mailbox, if it is still retired: a
// mailbox created again in the meantime is left alone.
func (b *Backend) Forget(ctx context.Context, address string) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	retired := `SELECT username FROM mf_mailbox WHERE username = ? AND retired IS NOT NULL AND purge_at IS NOT NULL`
	if _, err := tx.ExecContext(ctx, b.dialect.rebind(`DELETE FROM mailbox WHERE username IN (`+retired+`)`), address); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, b.dialect.rebind(`DELETE FROM mf_mailbox WHERE username = ? AND retired IS NOT NULL AND purge_at IS NOT NULL`), address); err != nil {
		return err
	}
	return tx.Commit()
}

// Interface guard.
var _ mail.Purger = (*Backend)(nil)
