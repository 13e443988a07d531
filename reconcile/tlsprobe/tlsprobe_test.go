package tlsprobe

import (
	"bufio"
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailform/mailform/internal/servers"
)

// serve starts a server on loopback that speaks the protocol's greeting
// and STARTTLS dialogue (refusing it when refuse is set), then serves
// cert. It returns its address.
func serve(t *testing.T, proto string, cert servers.Cert, refuse bool) string {
	t.Helper()
	port := servers.ServeStartTLS(t, cert, func(conn net.Conn) bool {
		r := bufio.NewReader(conn)
		say := func(s string) { fmt.Fprintf(conn, "%s\r\n", s) }
		switch proto {
		case IMAP:
			say("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready")
			line, _ := r.ReadString('\n')
			tag, _, _ := strings.Cut(line, " ")
			if refuse {
				say(tag + " BAD STARTTLS not available")
				return false
			}
			say(tag + " OK Begin TLS negotiation now")
		case POP3:
			say("+OK ready")
			r.ReadString('\n')
			if refuse {
				say("-ERR no TLS")
				return false
			}
			say("+OK Begin TLS negotiation")
		case SMTP:
			say("220 mx.test ESMTP")
			r.ReadString('\n')
			if refuse {
				say("250-mx.test\r\n250 AUTH PLAIN")
				return false
			}
			say("250-mx.test\r\n250-PIPELINING\r\n250 STARTTLS")
			r.ReadString('\n')
			say("220 2.0.0 Ready to start TLS")
		}
		return true
	})
	return fmt.Sprintf("127.0.0.1:%d", port)
}

func TestProbe(t *testing.T) {
	ca := servers.NewCA(t)
	roots := x509.NewCertPool()
	pemCA, err := os.ReadFile(ca.File)
	if err != nil {
		t.Fatal(err)
	}
	roots.AppendCertsFromPEM(pemCA)
	now := time.Now()
	good := ca.Issue(t, now.Add(-time.Hour), now.Add(90*24*time.Hour), "mail.c.test", "webmail.c.test")
	soon := ca.Issue(t, now.Add(-time.Hour), now.Add(3*24*time.Hour), "mail.c.test")
	expired := ca.Issue(t, now.Add(-48*time.Hour), now.Add(-time.Hour), "mail.c.test")
	self, err := servers.SelfSigned("mail.c.test")
	if err != nil {
		t.Fatal(err)
	}
	other := servers.NewCA(t).Issue(t, now.Add(-time.Hour), now.Add(time.Hour), "mail.c.test")

	closed := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}()
	cases := []struct {
		name, proto, host string
		cert              servers.Cert
		refuse            bool
		addr              string
		want              string
	}{
		{name: "implicit valid", proto: Implicit, host: "mail.c.test", cert: good, want: "valid"},
		{name: "imap valid", proto: IMAP, host: "mail.c.test", cert: good, want: "valid"},
		{name: "pop3 valid", proto: POP3, host: "webmail.c.test", cert: good, want: "valid"},
		{name: "smtp valid", proto: SMTP, host: "mail.c.test", cert: good, want: "valid"},
		{name: "wrong name", proto: Implicit, host: "mail.d.test", cert: good, want: "invalid: the certificate is for mail.c.test, webmail.c.test, not mail.d.test"},
		{name: "expired", proto: SMTP, host: "mail.c.test", cert: expired, want: "invalid: the certificate expired on " + now.Add(-time.Hour).UTC().Format(time.DateOnly)},
		{name: "self-signed", proto: IMAP, host: "mail.c.test", cert: self, want: "invalid: the certificate is self-signed: install one from a trusted authority"},
		{name: "untrusted CA", proto: Implicit, host: "mail.c.test", cert: other, want: `invalid: the certificate is issued by "mailform test CA", which is not trusted here: install a certificate from a trusted authority, with its intermediate certificates`},
		{name: "expiring", proto: Implicit, host: "mail.c.test", cert: soon, want: "expiring"},
		{name: "imap refuses", proto: IMAP, host: "mail.c.test", cert: good, refuse: true, want: `error: the server refuses STARTTLS: "m1 BAD STARTTLS not available"`},
		{name: "pop3 refuses", proto: POP3, host: "mail.c.test", cert: good, refuse: true, want: `error: the server refuses STLS: "-ERR no TLS"`},
		{name: "smtp without starttls", proto: SMTP, host: "mail.c.test", cert: good, refuse: true, want: "error: the server does not offer STARTTLS"},
		{name: "down", proto: Implicit, host: "mail.c.test", addr: closed, want: "error: dial tcp " + closed + ": connect: connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			addr := c.addr
			if addr == "" {
				addr = serve(t, c.proto, c.cert, c.refuse)
			}
			r := Probe(context.Background(), addr, c.host, c.proto, roots)
			got := "valid"
			switch {
			case r.Err != nil:
				got = "error: " + r.Err.Error()
			case r.Invalid != nil:
				got = "invalid: " + r.Invalid.Error()
			case r.Expiring(time.Now()):
				got = "expiring"
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
