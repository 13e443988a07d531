package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/GehirnInc/crypt"
	_ "github.com/GehirnInc/crypt/sha512_crypt"
	"golang.org/x/crypto/bcrypt"

	"github.com/mailform/mailform/internal/servers"
)

// importPlatform is the platform file a CSV import goes onto.
const importPlatform = `
platform {
  name            = "Test Mail"
  mail_host       = "mail.platform.test"
  webmail_url     = "https://webmail.platform.test"
  verification_ip = "192.0.2.16"
  ownership_proof = "none"
  authoritative_servers = ["{{.Customer}}"]
  mx "mx1.platform.test" {
    priority = 10
  }
}

{{.Backend}}
`

// A panel's CSV export, imported and applied: the hashes it gave (MD5,
// bcrypt, SHA512) and the password it gave in clear log in to Dovecot,
// an account over its domain's limit does not, and Postfix delivers to
// an imported alias.
func TestImportedCSVLogsIn(t *testing.T) {
	for name, open := range databases(t) {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			md5, err := crypt.MD5.New().Generate([]byte("pw-md5"), []byte("$1$panel"))
			if err != nil {
				t.Fatal(err)
			}
			sha, err := crypt.SHA512.New().Generate([]byte("pw-sha"), []byte("$6$panelsalt"))
			if err != nil {
				t.Fatal(err)
			}
			blf, err := bcrypt.GenerateFromPassword([]byte("pw-blf"), 6)
			if err != nil {
				t.Fatal(err)
			}
			in := t.TempDir()
			files := map[string]string{
				"domains.csv": "imp.test;pw-postmaster;4;;;;;\r\n",
				"accounts.csv": strings.Join([]string{
					"md5@imp.test;" + md5 + ";MD5 user;;;;;",
					"blf@imp.test;{BLF-CRYPT}" + strings.Replace(string(blf), "$2a$", "$2y$", 1) + ";;;;;;",
					"sha@imp.test;{SHA512-CRYPT}" + sha + ";;;;;;",
					"plain@imp.test;pw-plain;\"Plain; Text\";;;;;",
					"over@imp.test;pw-over;;;;;;",
				}, "\r\n") + "\r\n",
				"aliases.csv":  "sales@imp.test;plain@imp.test\n",
				"platform.hcl": render(t, importPlatform, struct{ Customer, Backend string }{customerDNS(t, db), backendBlock(db)}),
			}
			for n, content := range files {
				if err := os.WriteFile(filepath.Join(in, n), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(t.TempDir(), "config")
			r := mailform(t, nil, "import", "csv", "--expert", "--domains", filepath.Join(in, "domains.csv"), "--accounts", filepath.Join(in, "accounts.csv"),
				"--aliases", filepath.Join(in, "aliases.csv"), "--platform", filepath.Join(in, "platform.hcl"), "--out", out)
			if r.code != 0 || !strings.Contains(r.stdout, "5 mailboxes (1 switched off") {
				t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			mustApply(t, nil, out)
			if r := mailform(t, nil, "plan", "--detailed-exitcode", out); r.code != 0 {
				t.Errorf("the plan after applying the import is not empty: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			m := servers.StartMail(t, db)
			for _, c := range []struct {
				user, pass string
				ok         bool
			}{
				{"md5@imp.test", "pw-md5", true},
				{"blf@imp.test", "pw-blf", true},
				{"sha@imp.test", "pw-sha", true},
				{"plain@imp.test", "pw-plain", true},
				{"postmaster@imp.test", "pw-postmaster", true},
				{"plain@imp.test", "wrong", false},
				{"over@imp.test", "pw-over", false}, // over max_mailboxes: imported switched off
			} {
				if err := imapLogin("127.0.0.1", m.IMAP, c.user, c.pass); (err == nil) != c.ok {
					t.Errorf("IMAP %s with %s: got %v, want allowed=%v", c.user, c.pass, err, c.ok)
				}
			}
			if err := send(m.SMTP, "sender@outside.test", []string{"sales@imp.test"}, "to the imported alias"); err != nil {
				t.Fatalf("send: %v", err)
			}
			m.WaitQueue(t)
			if got := inbox(t, m.IMAP, "plain@imp.test", "pw-plain"); !contains(got, "to the imported alias") {
				t.Errorf("plain's INBOX: %v", got)
			}
		})
	}
}
