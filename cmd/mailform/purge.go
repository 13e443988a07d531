package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/lock"
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/providers/mail/host"
)

func purgeCommand() *cli.Command {
	return &cli.Command{
		Name:  "purge",
		Usage: "on the mail host, remove the mail of deleted mailboxes whose purge is due",
		UsageText: `mailform purge [options]

Run on the mail host, as a user that may remove mail (root or the mail
user), from cron or a systemd timer. A mailbox deleted by apply is retired:
it stops logging in and receiving, and its mail stays on disk. When its
domain (or tenant, or the platform) sets purge_deleted_mail, apply also
puts it on the purge list, due that long after the apply. purge removes
the mail directory of every mailbox that is due, then forgets the mailbox.

It holds the backend's apply lock meanwhile, so no apply revives a mailbox
while its mail goes. A directory that another mailbox uses too, or that
is reached through a symbolic link, is never removed; it is reported and
stays on the list. Run again after a failure: it carries on.

Examples:
   mailform purge --dry-run
   mailform purge --database /var/lib/mailform/mail.db --mail-root /var/vmail
   MAILFORM_DATABASE=postgres://mailform@db.internal/mail mailform purge`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "database", Value: "/var/lib/mailform/mail.db", EnvVars: []string{"MAILFORM_DATABASE"},
				Usage: "the mail backend: an SQLite `FILE` or a postgres:// URL"},
			&cli.StringFlag{Name: "mail-root", Value: "/var/vmail", Usage: "the `DIR` the mail servers keep mail under"},
			&cli.BoolFlag{Name: "dry-run", Usage: "list what is due, removing nothing"},
			&cli.DurationFlag{Name: "lock-timeout", Value: 10 * time.Minute, Usage: "wait up to `DURATION` for a running apply"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cli.Exit(fmt.Sprintf("purge takes no arguments, got %q: pass the database with --database", c.Args().First()), exitError)
			}
			b, err := providers.OpenLocation(c.Context, c.String("database"))
			if err != nil {
				return cli.Exit(err.Error()+"\n  Pass the database the mail servers read with --database (or MAILFORM_DATABASE).", exitError)
			}
			defer b.Close()
			p, ok := b.(mail.Purger)
			if !ok {
				return cli.Exit(fmt.Sprintf("%s: this backend keeps no purge list", c.String("database")), exitError)
			}
			return purge(c, p, c.String("mail-root"), c.Bool("dry-run"))
		},
	}
}

func purge(c *cli.Context, p mail.Purger, root string, dryRun bool) error {
	out := c.App.Writer
	unlock, err := p.Lock(c.Context, lock.Holder("mailform purge"), c.Duration("lock-timeout"))
	if err != nil {
		if errors.Is(err, lock.ErrHeld) {
			return cli.Exit(err.Error()+"\n  Run purge again later, or pass a longer --lock-timeout.", exitError)
		}
		return cli.Exit(err.Error(), exitError)
	}
	defer unlock()
	var due, done, failed, files int
	var bytes int64
	err = host.Purge(c.Context, p, root, time.Now(), dryRun, func(r host.Purged) {
		due++
		got := r.Removed
		switch {
		case r.SharedWith != "":
			fmt.Fprintf(out, "kept %s: its mail directory %s is shared with %s's; remove what is no longer needed by hand\n", r.Address, r.Maildir, r.SharedWith)
		case r.Err != nil:
			fmt.Fprintf(out, "failed %s: %v\n", r.Address, r.Err)
		case r.ForgetErr != nil:
			fmt.Fprintf(out, "failed %s: the mail is gone but the backend still lists it: %v\n", r.Address, r.ForgetErr)
		case dryRun && got.Missing:
			fmt.Fprintf(out, "would forget %s: %s is not there\n", r.Address, got.Path)
		case dryRun:
			fmt.Fprintf(out, "would purge %s: %s (%s)\n", r.Address, got.Path, amount(got))
		case got.Missing:
			fmt.Fprintf(out, "purged %s: %s was not there\n", r.Address, got.Path)
		default:
			fmt.Fprintf(out, "purged %s: removed %s (%s)\n", r.Address, got.Path, amount(got))
		}
		if !r.Done() {
			failed++
			return
		}
		done++
		files += got.Files
		bytes += got.Bytes
	})
	if err != nil {
		return cli.Exit(err.Error(), exitError)
	}
	if due == 0 {
		fmt.Fprintln(out, "Nothing to purge.")
		return nil
	}
	verb := "Purged"
	if dryRun {
		verb = "Would purge"
	}
	fmt.Fprintf(out, "%s %d of %d due mailboxes (%s).\n", verb, done, due, amount(host.Removed{Files: files, Bytes: bytes}))
	if failed > 0 {
		return cli.Exit(fmt.Sprintf("%d mailboxes were not purged; they stay on the list", failed), exitError)
	}
	return nil
}

// amount says how much mail a directory held: "3 files, 12.0 KB".
func amount(r host.Removed) string {
	files := "files"
	if r.Files == 1 {
		files = "file"
	}
	size := fmt.Sprintf("%d B", r.Bytes)
	for _, u := range []struct {
		bytes int64
		name  string
	}{{1 << 40, "TB"}, {1 << 30, "GB"}, {1 << 20, "MB"}, {1 << 10, "KB"}} {
		if r.Bytes >= u.bytes {
			size = fmt.Sprintf("%.1f %s", float64(r.Bytes)/float64(u.bytes), u.name)
			break
		}
	}
	return fmt.Sprintf("%d %s, %s", r.Files, files, size)
}
