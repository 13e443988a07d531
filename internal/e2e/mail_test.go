package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/GehirnInc/crypt"
	_ "github.com/GehirnInc/crypt/md5_crypt"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"github.com/mailform/mailform/internal/servers"
)

// The config every mail server test applies. Passwords come from the
// environment (mailform hashes them) or are hashes made by the test.
const mailConfig = `
platform {
  name            = "Test Mail"
  mail_host       = "mail.platform.test"
  webmail_url     = "https://webmail.platform.test"
  verification_ip = "192.0.2.16"
  ownership_proof = "none" # these domains' DNS is nowhere: the proof is tested in dns_test.go
  authoritative_servers = ["{{.Customer}}"] # where their owners publish their DKIM keys
  mx "mx1.platform.test" {
    priority = 10
  }
}

{{.Backend}}

tenant "acme" {
  domain "a.test" {
    postmaster {
      password = env("MAILFORM_PW_POSTMASTER")
    }
    alias_domain "alias.test" {}
    alias_domain "bücher.test" {}

    mailbox "alice" {
      password = env("MAILFORM_PW_ALICE")
      quota    = "2GB"
      autoresponder {
        subject = "Alice is away"
        body    = "Back on Monday.\n"
        start   = "{{.Yesterday}}"
        end     = "{{.Tomorrow}}"
      }
    }
    mailbox "bob" {
      password = env("MAILFORM_PW_BOB")
    }
    mailbox "carol" {
      password = env("MAILFORM_PW_CAROL")
      forward {
        to        = ["dave@a.test"]
        keep_copy = true
      }
    }
    mailbox "dave" {
      password = env("MAILFORM_PW_DAVE")
    }
    mailbox "{{if .Moved}}later2{{else}}later{{end}}" {
      password = env("MAILFORM_PW_LATER")
{{if .Moved}}      moved_from = "later@a.test"
{{end}}      autoresponder {
        subject = "Later is away"
        body    = "Not yet."
        start   = "{{.NextMonth}}"
      }
    }
{{if not .Moved}}    mailbox "blf" {
      password_hash = "{{.BLF}}"
    }
{{end}}    mailbox "md5" {
      password_hash = "{{.MD5}}"
    }
    mailbox "noimap" {
      password = env("MAILFORM_PW_NOIMAP")
      services = ["pop3", "smtp"]
    }
    mailbox "nosmtp" {
      password = env("MAILFORM_PW_NOSMTP")
      services = ["imap", "pop3"]
    }
    mailbox "off" {
      password = env("MAILFORM_PW_OFF")
      enabled  = false
    }
{{if .WithErin}}    mailbox "erin" {
      password = env("MAILFORM_PW_ERIN")
    }
{{end}}
    alias "sales" {
      to = ["alice@a.test", "bob@a.test"]
    }
  }

  domain "b.test" {
    services  = ["imap", "smtp"]
    catch_all = "x@b.test"
    mailbox "x" {
      password = env("MAILFORM_PW_X")
    }
  }

  domain "d.test" {
{{if .PurgeD}}    purge_deleted_mail = "0d"
{{end}}    mailbox "info" {
      password = env("MAILFORM_PW_X")
    }
{{if .WithFrank}}    mailbox "frank" {
      password = env("MAILFORM_PW_FRANK")
    }
{{end}}{{if .Moved}}    mailbox "blf" {
      password_hash = "{{.BLF}}"
      moved_from    = "blf@a.test"
    }
{{end}}  }

  domain "c.test" {
    allowed_ips = ["127.0.0.2"]
    mailbox "z" {
      password = env("MAILFORM_PW_Z")
    }
  }
}
`

// mailEnv holds the passwords: each user's is "pw-" and its name.
var mailEnv = []string{"MAILFORM_PW_POSTMASTER=pw-postmaster", "MAILFORM_PW_ALICE=pw-alice", "MAILFORM_PW_BOB=pw-bob", "MAILFORM_PW_CAROL=pw-carol", "MAILFORM_PW_DAVE=pw-dave",
	"MAILFORM_PW_LATER=pw-later", "MAILFORM_PW_NOIMAP=pw-noimap", "MAILFORM_PW_NOSMTP=pw-nosmtp", "MAILFORM_PW_OFF=pw-off", "MAILFORM_PW_ERIN=pw-erin", "MAILFORM_PW_FRANK=pw-frank", "MAILFORM_PW_X=pw-x", "MAILFORM_PW_Z=pw-z"}

type mailData struct {
	Backend, Customer              string
	Yesterday, Tomorrow, NextMonth string
	BLF, MD5                       string
	WithErin, Moved                bool
	WithFrank, PurgeD              bool
}

func newMailData(t *testing.T, db servers.Database) *mailData {
	blf, err := bcrypt.GenerateFromPassword([]byte("pw-blf"), 6)
	if err != nil {
		t.Fatal(err)
	}
	md5, err := crypt.MD5.New().Generate([]byte("pw-md5"), []byte("$1$mailform"))
	if err != nil {
		t.Fatal(err)
	}
	day := func(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format("2006-01-02") }
	return &mailData{Backend: backendBlock(db), Customer: customerDNS(t, db), Yesterday: day(-1), Tomorrow: day(1), NextMonth: day(30),
		BLF: "{BLF-CRYPT}" + strings.Replace(string(blf), "$2a$", "$2y$", 1), MD5: md5, WithErin: true, WithFrank: true}
}

// TestMailServers applies one config to each backend and checks, as a
// mail client, that Dovecot and Postfix enforce it.
func TestMailServers(t *testing.T) {
	for name, open := range databases(t) {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			data := newMailData(t, db)
			dir := writeConfig(t, mailConfig, data)
			mustApply(t, mailEnv, dir)
			m := servers.StartMail(t, db)
			local := "127.0.0.1"

			t.Run("logins", func(t *testing.T) {
				for _, c := range []struct {
					user, pass string
					imap, pop3 bool
				}{
					{"alice@a.test", "pw-alice", true, true},
					{"alice@a.test", "wrong", false, false},
					{"off@a.test", "pw-off", false, false},
					{"blf@a.test", "pw-blf", true, true},
					{"md5@a.test", "pw-md5", true, true},
					{"noimap@a.test", "pw-noimap", false, true},
					{"nosmtp@a.test", "pw-nosmtp", true, true},
					{"x@b.test", "pw-x", true, false}, // b.test has no POP3
					{"nobody@a.test", "pw-alice", false, false},
				} {
					if err := imapLogin(local, m.IMAP, c.user, c.pass); (err == nil) != c.imap {
						t.Errorf("IMAP %s with %s: got %v, want allowed=%v", c.user, c.pass, err, c.imap)
					}
					if err := pop3Login(local, m.POP3, c.user, c.pass); (err == nil) != c.pop3 {
						t.Errorf("POP3 %s with %s: got %v, want allowed=%v", c.user, c.pass, err, c.pop3)
					}
				}
			})

			t.Run("submission", func(t *testing.T) {
				for _, c := range []struct {
					user, pass string
					ok         bool
				}{
					{"alice@a.test", "pw-alice", true},
					{"nosmtp@a.test", "pw-nosmtp", false},
					{"noimap@a.test", "pw-noimap", true},
					{"bob@a.test", "wrong", false},
					{"off@a.test", "pw-off", false},
				} {
					if err := submissionLogin(m.Submission, c.user, c.pass); (err == nil) != c.ok {
						t.Errorf("submission %s: got %v, want allowed=%v", c.user, err, c.ok)
					}
				}
			})

			t.Run("allowed_ips", func(t *testing.T) {
				if err := imapLogin("127.0.0.1", m.IMAP, "z@c.test", "pw-z"); err == nil {
					t.Error("c.test allows only 127.0.0.2, but a login from 127.0.0.1 passed")
				}
				if err := imapLogin("127.0.0.2", m.IMAP, "z@c.test", "pw-z"); err != nil {
					t.Errorf("login from the allowed 127.0.0.2: %v", err)
				}
				if err := pop3Login("127.0.0.1", m.POP3, "z@c.test", "pw-z"); err == nil {
					t.Error("POP3 from 127.0.0.1 passed for c.test")
				}
			})

			t.Run("quota", func(t *testing.T) {
				if got := quotaKB(t, m.IMAP, "alice@a.test", "pw-alice"); got != 2<<20 {
					t.Errorf("alice's quota: %d KiB, want %d (2GB)", got, 2<<20)
				}
				if got := quotaKB(t, m.IMAP, "postmaster@a.test", "pw-postmaster"); got != 50<<10 {
					t.Errorf("postmaster's quota: %d KiB, want %d (50MB)", got, 50<<10)
				}
			})

			t.Run("delivery", func(t *testing.T) {
				sends := []struct {
					to      string
					subject string
				}{
					{"sales@a.test", "to the sales alias"},
					{"carol@a.test", "to carol, forwarded"},
					{"bob@alias.test", "to bob through the alias domain"},
					{"dave@xn--bcher-kva.test", "to dave through the IDN alias domain"},
					{"whoever@b.test", "to the catch-all"},
					{"erin@a.test", "to erin before deletion"},
					{"blf@a.test", "to blf before the move"},
				}
				for _, s := range sends {
					if err := send(m.SMTP, "sender@outside.test", []string{s.to}, s.subject); err != nil {
						t.Errorf("send to %s: %v", s.to, err)
					}
				}
				for _, to := range []string{"nobody@a.test", "nobody@alias.test", "off@a.test"} {
					err := send(m.SMTP, "sender@outside.test", []string{to}, "refused")
					if err == nil || !strings.Contains(err.Error(), "550") {
						t.Errorf("mail to the unknown %s: %v, want 550", to, err)
					}
				}
				m.WaitQueue(t)
				for _, c := range []struct {
					user, pass, subject string
				}{
					{"alice@a.test", "pw-alice", "to the sales alias"},
					{"bob@a.test", "pw-bob", "to the sales alias"},
					{"carol@a.test", "pw-carol", "to carol, forwarded"},
					{"dave@a.test", "pw-dave", "to carol, forwarded"},
					{"bob@a.test", "pw-bob", "to bob through the alias domain"},
					{"dave@a.test", "pw-dave", "to dave through the IDN alias domain"},
					{"x@b.test", "pw-x", "to the catch-all"},
					{"erin@a.test", "pw-erin", "to erin before deletion"},
				} {
					if got := inbox(t, m.IMAP, c.user, c.pass); !contains(got, c.subject) {
						t.Errorf("%s's INBOX %q lacks %q", c.user, got, c.subject)
					}
				}
			})

			t.Run("autoresponder", func(t *testing.T) {
				if err := send(m.SMTP, "bob@a.test", []string{"alice@a.test"}, "question for alice"); err != nil {
					t.Fatal(err)
				}
				if err := send(m.SMTP, "dave@a.test", []string{"later@a.test"}, "question for later"); err != nil {
					t.Fatal(err)
				}
				m.WaitQueue(t)
				// The reply is a second message through Postfix.
				deadline := time.Now().Add(15 * time.Second)
				for !contains(inbox(t, m.IMAP, "bob@a.test", "pw-bob"), "Alice is away") {
					if time.Now().After(deadline) {
						t.Fatalf("bob got no automatic reply from alice: %q\n%s", inbox(t, m.IMAP, "bob@a.test", "pw-bob"), m.Logs())
					}
					time.Sleep(100 * time.Millisecond)
					m.WaitQueue(t)
				}
				if got := inbox(t, m.IMAP, "dave@a.test", "pw-dave"); contains(got, "Later is away") {
					t.Errorf("later's reply starts next month, but dave got it now: %q", got)
				}
			})

			t.Run("rename and move keep mail", func(t *testing.T) {
				data.Moved = true
				os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(render(t, mailConfig, data)), 0o644)
				r := mustApply(t, mailEnv, dir)
				if !strings.Contains(r.stdout, "later@a.test") || !strings.Contains(r.stdout, "blf@a.test") {
					t.Errorf("the apply does not show the moves:\n%s", r.stdout)
				}
				if got := inbox(t, m.IMAP, "later2@a.test", "pw-later"); !contains(got, "question for later") {
					t.Errorf("the renamed mailbox lost its mail: %q", got)
				}
				if got := inbox(t, m.IMAP, "blf@d.test", "pw-blf"); !contains(got, "to blf before the move") {
					t.Errorf("the mailbox moved to d.test lost its mail: %q", got)
				}
				for _, old := range []string{"later@a.test", "blf@a.test"} {
					if err := imapLogin(local, m.IMAP, old, "pw-later"); err == nil {
						t.Errorf("the old address %s still logs in", old)
					}
				}
				if err := send(m.SMTP, "sender@outside.test", []string{"blf@d.test"}, "after the move"); err != nil {
					t.Errorf("mail to the moved mailbox: %v", err)
				}
				planIsEmpty(t, mailEnv, dir, "after the moves")
			})

			t.Run("delete keeps mail", func(t *testing.T) {
				data.WithErin = false
				os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(render(t, mailConfig, data)), 0o644)
				if r := mailform(t, mailEnv, "apply", "--auto-approve", dir); r.code == 0 || !strings.Contains(r.stderr, "allow-destroy") {
					t.Fatalf("deleting a mailbox without --allow-destroy: exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
				mustApply(t, mailEnv, "--allow-destroy", dir)
				if err := imapLogin(local, m.IMAP, "erin@a.test", "pw-erin"); err == nil {
					t.Error("a deleted mailbox still logs in")
				}
				if err := send(m.SMTP, "sender@outside.test", []string{"erin@a.test"}, "after deletion"); err == nil || !strings.Contains(err.Error(), "550") {
					t.Errorf("mail to a deleted mailbox: %v, want 550", err)
				}
				mails, _ := filepath.Glob(filepath.Join(m.VMail, "a.test", "erin", "Maildir", "*", "*"))
				if len(mails) == 0 {
					t.Error("the deleted mailbox's mail is gone from disk")
				}
			})

			t.Run("delete with purge", func(t *testing.T) {
				if err := send(m.SMTP, "sender@outside.test", []string{"frank@d.test"}, "to frank before the purge"); err != nil {
					t.Fatal(err)
				}
				m.WaitQueue(t)
				frank := filepath.Join(m.VMail, "d.test", "frank")
				if got := inbox(t, m.IMAP, "frank@d.test", "pw-frank"); !contains(got, "to frank before the purge") {
					t.Fatalf("frank's mail did not arrive: %q", got)
				}
				data.WithFrank, data.PurgeD = false, true
				os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(render(t, mailConfig, data)), 0o644)
				r := mustApply(t, mailEnv, "--allow-destroy", dir)
				if !strings.Contains(r.stdout, "its mail is purged by the next mailform purge on the mail host") {
					t.Errorf("the apply does not say frank's mail will be purged:\n%s", r.stdout)
				}
				if err := imapLogin(local, m.IMAP, "frank@d.test", "pw-frank"); err == nil {
					t.Error("a deleted mailbox still logs in")
				}
				if _, err := os.Stat(frank); err != nil {
					t.Fatalf("frank's mail went before the purge: %v", err)
				}
				database := db.SQLitePath
				if db.Postgres != nil {
					database = db.Postgres.DSN(db.PGDatabase)
				}
				others := mailFiles(t, m.VMail, frank)
				r = mailform(t, nil, "purge", "--database", database, "--mail-root", m.VMail)
				if r.code != 0 || !strings.Contains(r.stdout, "purged frank@d.test: removed "+frank) || !strings.Contains(r.stdout, "Purged 1 of 1 due mailboxes") {
					t.Fatalf("purge: exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
				if _, err := os.Stat(frank); !os.IsNotExist(err) {
					t.Errorf("frank's mail directory is still there: %v", err)
				}
				if diff := cmp.Diff(others, mailFiles(t, m.VMail, frank)); diff != "" {
					t.Errorf("the purge touched other mailboxes' mail (-before +after):\n%s", diff)
				}
				if err := imapLogin(local, m.IMAP, "info@d.test", "pw-x"); err != nil {
					t.Errorf("the rest of d.test stopped working: %v", err)
				}
				// Created again, frank starts empty.
				data.WithFrank = true
				os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(render(t, mailConfig, data)), 0o644)
				mustApply(t, mailEnv, dir)
				if got := inbox(t, m.IMAP, "frank@d.test", "pw-frank"); len(got) != 0 {
					t.Errorf("frank, created again after the purge, has old mail: %q", got)
				}
				planIsEmpty(t, mailEnv, dir, "after the purge")
			})
		})
	}
}

// mailFiles lists the message files under root, leaving out those under
// skip: Dovecot's index and cache files change with every login.
func mailFiles(t *testing.T, root, skip string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case path == skip:
			return filepath.SkipDir
		case d.Type().IsRegular() && (filepath.Base(filepath.Dir(path)) == "cur" || filepath.Base(filepath.Dir(path)) == "new"):
			out = append(out, strings.TrimPrefix(path, root))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
