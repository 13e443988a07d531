package e2e

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// dial connects to 127.0.0.1:port from the loopback address from.
func dial(from string, port int) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	return d.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
}

// imapSession logs in over IMAP from the address from.
func imapSession(from string, port int, user, pass string) (*imapclient.Client, error) {
	conn, err := dial(from, port)
	if err != nil {
		return nil, err
	}
	c := imapclient.New(conn, nil)
	if err := c.Login(user, pass).Wait(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// imapLogin reports whether user may log in over IMAP from the address from.
func imapLogin(from string, port int, user, pass string) error {
	c, err := imapSession(from, port, user, pass)
	if err != nil {
		return err
	}
	c.Logout().Wait()
	return nil
}

// pop3Login logs in over POP3 (USER/PASS) and lists the maildrop.
func pop3Login(from string, port int, user, pass string) error {
	conn, err := dial(from, port)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	cmd := func(line string) (string, error) {
		if line != "" {
			if _, err := fmt.Fprintf(conn, "%s\r\n", line); err != nil {
				return "", err
			}
		}
		reply, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		if !strings.HasPrefix(reply, "+OK") {
			return "", fmt.Errorf("POP3 %s: %s", strings.Fields(line + " greeting")[0], strings.TrimSpace(reply))
		}
		return reply, nil
	}
	for _, line := range []string{"", "USER " + user, "PASS " + pass, "STAT"} {
		if _, err := cmd(line); err != nil {
			return err
		}
	}
	cmd("QUIT")
	return nil
}

// submissionLogin logs in to Postfix's submission service after STARTTLS.
func submissionLogin(port int, user, pass string) error {
	c, err := smtp.Dial("127.0.0.1:" + strconv.Itoa(port))
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
		return err
	}
	if err := c.Auth(smtp.PlainAuth("", user, pass, "127.0.0.1")); err != nil {
		return err
	}
	if err := c.Mail(user); err != nil {
		return err
	}
	return c.Quit()
}

// send delivers one message over SMTP; the error is the first refusal.
func send(port int, from string, to []string, subject string) error {
	c, err := smtp.Dial("127.0.0.1:" + strconv.Itoa(port))
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.mailform.test"); err != nil {
		return err
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return fmt.Errorf("RCPT %s: %w", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%d@client.mailform.test>\r\n\r\nTest message.\r\n",
		from, strings.Join(to, ", "), subject, time.Now().UnixNano())
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// inbox lists the subjects in a mailbox's INBOX.
func inbox(t *testing.T, port int, user, pass string) []string {
	t.Helper()
	c, err := imapSession("127.0.0.1", port, user, pass)
	if err != nil {
		t.Fatalf("IMAP login %s: %v", user, err)
	}
	defer func() { c.Logout().Wait() }()
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	var all imap.SeqSet
	all.AddRange(1, sel.NumMessages)
	msgs, err := c.Fetch(all, &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range msgs {
		subjects = append(subjects, m.Envelope.Subject)
	}
	return subjects
}

// quotaKB is the STORAGE limit of a mailbox's INBOX quota root, in KiB.
func quotaKB(t *testing.T, port int, user, pass string) int64 {
	t.Helper()
	c, err := imapSession("127.0.0.1", port, user, pass)
	if err != nil {
		t.Fatalf("IMAP login %s: %v", user, err)
	}
	defer func() { c.Logout().Wait() }()
	data, err := c.GetQuotaRoot("INBOX").Wait()
	if err != nil {
		t.Fatalf("GETQUOTAROOT for %s: %v", user, err)
	}
	for _, q := range data {
		if r, ok := q.Resources[imap.QuotaResourceStorage]; ok {
			return r.Limit
		}
	}
	t.Fatalf("no STORAGE quota for %s in %+v", user, data)
	return 0
}
