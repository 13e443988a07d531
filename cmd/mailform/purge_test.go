package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/mail"
	_ "github.com/mailform/mailform/providers/mail/sql"
)

func TestPurge(t *testing.T) {
	dir := quickstart(t)
	editConfig(t, dir, func(s string) string {
		return strings.Replace(s, `display_name = "ACME Ltd"`, `display_name = "ACME Ltd"
  purge_deleted_mail = "0d"`, 1)
	})
	if code, out, errOut := mailform(t, "apply", "--auto-approve", dir); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	root := t.TempDir()
	for _, f := range []string{"acme.example/info/Maildir/cur/1", "acme.example/postmaster/Maildir/cur/1"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(root, f), []byte("hello"), 0o644)
	}
	db := filepath.Join(dir, ".mailform", "mail.db")
	if code, out, errOut := mailform(t, "purge", "--database", db, "--mail-root", root); code != 0 || out != "Nothing to purge.\n" {
		t.Fatalf("purge with nothing due: exit %d\n%s%s", code, out, errOut)
	}

	dropInfo(t, dir)
	code, out, errOut := mailform(t, "plan", dir)
	if code != 0 || !strings.Contains(out, "mailbox.info will be retired: logins and delivery stop, its mail is purged by the next mailform purge on the mail host") ||
		!strings.Contains(out, "mailbox info@acme.example (its mail purged 0d after) is destroyed") {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := mailform(t, "apply", "--auto-approve", "--allow-destroy", dir); code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	info := filepath.Join(root, "acme.example", "info")
	code, out, errOut = mailform(t, "purge", "--dry-run", "--database", db, "--mail-root", root)
	if want := "would purge info@acme.example: " + info + " (1 file, 5 B)\nWould purge 1 of 1 due mailboxes (1 file, 5 B).\n"; code != 0 || out != want {
		t.Fatalf("dry run: exit %d\n%s%s\nwant\n%s", code, out, errOut, want)
	}
	if _, err := os.Stat(info); err != nil {
		t.Fatal("the dry run removed mail")
	}

	// A running apply holds purge off.
	b, err := providers.OpenLocation(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := b.(mail.Purger).Lock(context.Background(), "ci-job-9", 0)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := mailform(t, "purge", "--lock-timeout", "0s", "--database", db, "--mail-root", root); code != 1 || !strings.Contains(errOut, "ci-job-9") {
		t.Errorf("purge while locked: exit %d\n%s", code, errOut)
	}
	unlock()
	b.Close()

	code, out, errOut = mailform(t, "purge", "--database", db, "--mail-root", root)
	if want := "purged info@acme.example: removed " + info + " (1 file, 5 B)\nPurged 1 of 1 due mailboxes (1 file, 5 B).\n"; code != 0 || out != want {
		t.Fatalf("purge: exit %d\n%s%s\nwant\n%s", code, out, errOut, want)
	}
	if _, err := os.Stat(info); !os.IsNotExist(err) {
		t.Errorf("the mail is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "acme.example/postmaster/Maildir/cur/1")); err != nil {
		t.Errorf("another mailbox's mail went: %v", err)
	}
	if code, out, _ := mailform(t, "purge", "--database", db, "--mail-root", root); code != 0 || out != "Nothing to purge.\n" {
		t.Errorf("second purge: exit %d\n%s", code, out)
	}
	if code, out, _ := mailform(t, "plan", "--detailed-exitcode", dir); code != 0 {
		t.Errorf("plan after the purge: exit %d\n%s", code, out)
	}
}

func TestPurgeNeedsDatabase(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.db")
	code, _, errOut := mailform(t, "purge", "--database", missing)
	if code != 1 || !strings.Contains(errOut, "--database") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Error("purge created a database")
	}
}
