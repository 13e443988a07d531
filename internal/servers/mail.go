package servers

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailform/mailform/internal/testenv"
)

// Database is the backend the mail servers read: an SQLite file, or a
// database of the test PostgreSQL.
type Database struct {
	SQLitePath string
	Postgres   *Postgres
	PGDatabase string
}

// Mail is a Dovecot and a Postfix configured with the shipped files of
// examples/servers, moved under a directory of their own.
type Mail struct {
	Dir        string
	IMAP       int // Dovecot IMAP, no TLS
	POP3       int // Dovecot POP3, no TLS
	SMTP       int // Postfix, incoming mail
	Submission int // Postfix submission: STARTTLS, then SASL through Dovecot
	IMAPS      int // Dovecot IMAP over TLS (StartMailTLS only)
	POP3S      int // Dovecot POP3 over TLS (StartMailTLS only)
	VMail      string
	cert       *Cert // served by Dovecot's TLS listeners and Postfix's STARTTLS
	dovecotLog string
	postfixLog string
	stops      []func()
}

// SQLiteDir makes a directory the mail servers' users may write in, as
// SQLite's WAL mode needs of its readers, holding an empty database file
// whose mode the -wal and -shm files will copy. It returns the file.
func SQLiteDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mailform-db-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	path := filepath.Join(dir, "mail.db")
	if err := os.WriteFile(path, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o666)
	return path
}

// StartMail starts Dovecot and Postfix on db. They stop when the test ends.
func StartMail(t testing.TB, db Database) *Mail {
	t.Helper()
	return startMail(t, db, nil)
}

// StartMailTLS is StartMail with Dovecot also serving IMAP and POP3 over
// TLS (ports IMAPS and POP3S) and Postfix's STARTTLS, all with cert.
func StartMailTLS(t testing.TB, db Database, cert Cert) *Mail {
	t.Helper()
	return startMail(t, db, &cert)
}

func startMail(t testing.TB, db Database, cert *Cert) *Mail {
	t.Helper()
	needRoot(t, "Dovecot and Postfix")
	testenv.Command(t, "dovecot", "dovecot-imapd")
	testenv.Command(t, "postfix", "postfix")
	dir, err := os.MkdirTemp("", "mailform-mail-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	m := &Mail{Dir: dir, IMAP: FreePort(t), POP3: FreePort(t), SMTP: FreePort(t), Submission: FreePort(t),
		VMail: filepath.Join(dir, "vmail"), cert: cert}
	if cert != nil {
		m.IMAPS, m.POP3S = FreePort(t), FreePort(t)
	}
	if err := m.start(db); err != nil {
		logs := m.Logs()
		m.stop()
		t.Fatalf("start mail servers: %v\n%s", err, logs)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("mail server logs:\n%s", m.Logs())
		}
		m.stop()
	})
	return m
}

// relocate moves the shipped files' paths under the test's directory.
func (m *Mail) relocate(s string, db Database) string {
	r := strings.NewReplacer(
		"/etc/dovecot/mailform/", filepath.Join(m.Dir, "dovecot", "mailform")+"/",
		"/etc/postfix/mailform/", filepath.Join(m.Dir, "postfix", "etc", "mailform")+"/",
		"/var/spool/postfix/", filepath.Join(m.Dir, "postfix", "spool")+"/",
		"/var/vmail/", m.VMail+"/",
		"/var/lib/mailform/mail.db", db.SQLitePath,
	)
	s = r.Replace(s)
	if db.Postgres != nil {
		// The shipped connection settings name a production server.
		s = regexp.MustCompile(`(?m)^connect = host=.*$`).ReplaceAllString(s,
			fmt.Sprintf("connect = host=127.0.0.1 port=%d dbname=%s user=postgres", db.Postgres.Port, db.PGDatabase))
		s = regexp.MustCompile(`(?m)^hosts = .*$`).ReplaceAllString(s, fmt.Sprintf("hosts = inet:127.0.0.1:%d", db.Postgres.Port))
		s = regexp.MustCompile(`(?m)^dbname = .*$`).ReplaceAllString(s, "dbname = "+db.PGDatabase)
		s = regexp.MustCompile(`(?m)^user = .*$`).ReplaceAllString(s, "user = postgres")
		s = regexp.MustCompile(`(?m)^password = .*\n`).ReplaceAllString(s, "")
	}
	return s
}

// copyShipped writes a shipped file, relocated, to dst.
func (m *Mail) copyShipped(src, dst string, db Database) error {
	b, err := os.ReadFile(filepath.Join(ExamplesDir(), src))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, []byte(m.relocate(string(b), db)), 0o644)
}

func (m *Mail) start(db Database) error {
	kind := "sqlite"
	if db.Postgres != nil {
		kind = "pgsql"
	}
	if err := os.MkdirAll(m.VMail, 0o755); err != nil {
		return err
	}
	if err := os.Chown(m.VMail, 8, 8); err != nil { // Debian's "mail"
		return err
	}
	if err := m.writeDovecot(db, kind); err != nil {
		return err
	}
	if err := m.writePostfix(db, kind); err != nil {
		return err
	}
	// Postfix first: its check makes the private directory where Dovecot
	// puts the LMTP and auth sockets.
	e := filepath.Join(m.Dir, "postfix", "etc")
	if err := run(exec.Command("postfix", "-c", e, "check")); err != nil {
		return err
	}
	postfix := exec.Command("postfix", "-c", e, "start-fg")
	if err := startLogged(postfix, filepath.Join(m.Dir, "postfix", "start.out")); err != nil {
		return err
	}
	m.stops = append(m.stops, func() {
		// The master daemon may outlive the command that started it: stop
		// it by the PID it wrote.
		stopPID(filepath.Join(m.Dir, "postfix", "spool", "pid", "master.pid"))
		stopProcess(postfix, syscall.SIGTERM, 10*time.Second)
	})
	d := filepath.Join(m.Dir, "dovecot")
	dovecot := exec.Command("dovecot", "-F", "-c", filepath.Join(d, "dovecot.conf"))
	if err := startLogged(dovecot, filepath.Join(d, "dovecot.stdout")); err != nil {
		return err
	}
	m.stops = append(m.stops, func() { stopProcess(dovecot, syscall.SIGTERM, 10*time.Second) })
	for _, p := range []int{m.IMAP, m.POP3, m.SMTP, m.Submission, m.IMAPS, m.POP3S} {
		if p == 0 {
			continue
		}
		if err := WaitPort(p, 15*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// stop stops both servers by PID and removes their files.
func (m *Mail) stop() {
	for i := len(m.stops) - 1; i >= 0; i-- {
		m.stops[i]()
	}
	os.RemoveAll(m.Dir)
}

func (m *Mail) writeDovecot(db Database, kind string) error {
	d := filepath.Join(m.Dir, "dovecot")
	for _, sub := range []string{"run", "state", "mailform"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			return err
		}
	}
	if err := m.copyShipped("dovecot/conf.d/90-mailform.conf", filepath.Join(d, "90-mailform.conf"), db); err != nil {
		return err
	}
	for _, f := range []string{"mailform-db.conf", "mailform-sql.conf.ext", "mailform-dict.conf.ext"} {
		if err := m.copyShipped(filepath.Join("dovecot", kind, f), filepath.Join(d, "mailform", f), db); err != nil {
			return err
		}
	}
	m.dovecotLog = filepath.Join(d, "dovecot.log")
	ssl := "ssl = no"
	if m.cert != nil {
		if err := m.cert.Write(d); err != nil {
			return err
		}
		ssl = fmt.Sprintf("ssl = yes\nssl_cert = <%[1]s/cert.pem\nssl_key = <%[1]s/key.pem", d)
	}
	conf := fmt.Sprintf(`# The test's own settings; mailform's are in 90-mailform.conf.
base_dir = %[1]s/run
state_dir = %[1]s/state
instance_name = mailform-test-%[2]d
log_path = %[3]s
info_log_path = %[3]s
listen = 127.0.0.1
%[6]s
disable_plaintext_auth = no
auth_failure_delay = 0
# Tests fail logins on purpose: no growing delay per client address.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
auth_verbose = yes
default_login_user = dovenull
default_internal_user = dovecot
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[7]d
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = %[4]d
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = %[8]d
  }
}
!include %[1]s/90-mailform.conf
submission_host = 127.0.0.1:%[5]d
`, d, m.IMAP, m.dovecotLog, m.POP3, m.SMTP, ssl, m.IMAPS, m.POP3S)
	return os.WriteFile(filepath.Join(d, "dovecot.conf"), []byte(conf), 0o644)
}

func (m *Mail) writePostfix(db Database, kind string) error {
	p := filepath.Join(m.Dir, "postfix")
	e := filepath.Join(p, "etc")
	for _, sub := range []string{"etc/mailform", "spool", "data"} {
		if err := os.MkdirAll(filepath.Join(p, sub), 0o755); err != nil {
			return err
		}
	}
	if err := chownTo(filepath.Join(p, "data"), "postfix"); err != nil {
		return err
	}
	maps, _ := filepath.Glob(filepath.Join(ExamplesDir(), "postfix", kind, "*.cf"))
	if len(maps) == 0 {
		return fmt.Errorf("no shipped Postfix maps for %s", kind)
	}
	for _, f := range maps {
		if err := m.copyShipped(filepath.Join("postfix", kind, filepath.Base(f)), filepath.Join(e, "mailform", filepath.Base(f)), db); err != nil {
			return err
		}
	}
	cert := m.cert
	if cert == nil {
		self, err := SelfSigned("mx.mailform.test")
		if err != nil {
			return err
		}
		cert = &self
	}
	if err := cert.Write(e); err != nil {
		return err
	}
	shippedMain, err := os.ReadFile(filepath.Join(ExamplesDir(), "postfix", "main.cf"))
	if err != nil {
		return err
	}
	mainCF := m.relocate(string(shippedMain), db)
	mainCF = regexp.MustCompile(`(?m)^mailform_map_type = .*$`).ReplaceAllString(mainCF, "mailform_map_type = "+kind)
	m.postfixLog = filepath.Join(p, "maillog")
	base := fmt.Sprintf(`# The test's own settings; mailform's follow.
compatibility_level = 3.6
queue_directory = %[1]s/spool
data_directory = %[1]s/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = %[2]s
maillog_file_prefixes = %[1]s
myhostname = mx.mailform.test
mydomain = mailform.test
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps =
alias_database =
# Nothing leaves this machine: every delivery but the virtual one fails.
local_transport = error:local delivery disabled in tests
default_transport = error:outbound delivery disabled in tests
relay_transport = error:relay disabled in tests
smtpd_tls_cert_file = %[3]s/cert.pem
smtpd_tls_key_file = %[3]s/key.pem
smtpd_tls_security_level = may
`, p, m.postfixLog, e)
	if err := os.WriteFile(filepath.Join(e, "main.cf"), []byte(base+"\n"+mainCF), 0o644); err != nil {
		return err
	}
	shippedMaster, err := os.ReadFile(filepath.Join(ExamplesDir(), "postfix", "master.cf"))
	if err != nil {
		return err
	}
	master := regexp.MustCompile(`(?m)^submission `).ReplaceAllString(string(shippedMaster), fmt.Sprintf("127.0.0.1:%d ", m.Submission))
	return os.WriteFile(filepath.Join(e, "master.cf"), []byte(fmt.Sprintf(postfixMaster, m.SMTP)+"\n"+master), 0o644)
}

const postfixMaster = `# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:%d inet n    -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
`

func chownTo(path, name string) error {
	attr, uid, gid, err := credential(name)
	if err != nil || attr.Credential == nil {
		return err
	}
	return os.Chown(path, uid, gid)
}

// stopPID stops the process whose PID a file holds, waiting until it is
// gone and killing it after ten seconds.
func stopPID(file string) {
	b, err := os.ReadFile(file)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return
	}
	syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 200; i++ {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
}

// Logs is the end of both servers' logs, for a failing test.
func (m *Mail) Logs() string {
	var b strings.Builder
	for _, f := range []string{m.dovecotLog, m.postfixLog, filepath.Join(m.Dir, "dovecot", "dovecot.stdout"), filepath.Join(m.Dir, "postfix", "start.out")} {
		data, err := os.ReadFile(f)
		if err != nil || len(data) == 0 {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 60 {
			lines = lines[len(lines)-60:]
		}
		b.WriteString("--- " + f + "\n" + strings.Join(lines, "\n") + "\n")
	}
	return b.String()
}

// PostfixLog is Postfix's log so far.
func (m *Mail) PostfixLog() string {
	b, _ := os.ReadFile(m.postfixLog)
	return string(b)
}

// WaitQueue waits until Postfix's queue is empty: every message delivered
// or bounced.
func (m *Mail) WaitQueue(t testing.TB) {
	t.Helper()
	spool := filepath.Join(m.Dir, "postfix", "spool")
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for _, q := range []string{"incoming", "active", "deferred", "maildrop"} {
			filepath.Walk(filepath.Join(spool, q), func(_ string, info os.FileInfo, err error) error {
				if err == nil && !info.IsDir() {
					n++
				}
				return nil
			})
		}
		if n == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("Postfix's queue did not empty\n%s", m.Logs())
}

// Port is a port as a string, for addresses.
func Port(p int) string { return strconv.Itoa(p) }
