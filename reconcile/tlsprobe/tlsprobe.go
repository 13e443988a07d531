// Package tlsprobe connects to a mail or web server the way a client
// does — TLS from the first byte, or STARTTLS in IMAP, POP3 or SMTP — and
// says whether the certificate it serves is valid for a host name:
// trusted, current, and issued for that name. mailform check uses it for
// the host names a domain's branding needs.
//
// It stops once it has the certificate: it logs in nowhere and sends no
// mail.
package tlsprobe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// How TLS starts on a connection.
const (
	Implicit = "tls"  // TLS from the first byte (IMAPS, POP3S, HTTPS, SMTPS)
	IMAP     = "imap" // STARTTLS in IMAP
	POP3     = "pop3" // STLS in POP3
	SMTP     = "smtp" // STARTTLS in SMTP
)

// Timeout bounds one probe: connecting, the dialogue and the handshake.
const Timeout = 10 * time.Second

// SoonDays is how close to its end a certificate counts as expiring.
const SoonDays = 14

// Result is what one server served.
type Result struct {
	Leaf *x509.Certificate // the certificate served; nil when none was
	// Err is set when no certificate could be had: the server is down, or
	// refuses STARTTLS or the handshake.
	Err error
	// Invalid says why the certificate is not valid for the name, or is
	// nil when it is.
	Invalid error
}

// Expiring reports whether a valid certificate ends within SoonDays of now.
func (r Result) Expiring(now time.Time) bool {
	return r.Leaf != nil && r.Invalid == nil && r.Leaf.NotAfter.Sub(now) < SoonDays*24*time.Hour
}

// Probe connects to addr (host:port), starts TLS as start says, sending
// name as the server name, and verifies the certificate served for name
// against roots (nil: the system's, which honours $SSL_CERT_FILE).
func Probe(ctx context.Context, addr, name, start string, roots *x509.CertPool) Result {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Result{Err: err}
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	if err := startTLS(conn, start); err != nil {
		return Result{Err: err}
	}
	// The chain is verified below, so that a certificate that is not valid
	// is still read and described.
	tc := tls.Client(conn, &tls.Config{ServerName: name, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec // verified by verify
	if err := tc.HandshakeContext(ctx); err != nil {
		return Result{Err: fmt.Errorf("TLS handshake: %w", err)}
	}
	chain := tc.ConnectionState().PeerCertificates
	if len(chain) == 0 {
		return Result{Err: errors.New("the server sent no certificate")}
	}
	return Result{Leaf: chain[0], Invalid: verify(chain, name, roots, time.Now())}
}

// verify checks a served chain for name, and says why it is not valid in
// words a reseller can act on.
func verify(chain []*x509.Certificate, name string, roots *x509.CertPool, now time.Time) error {
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, Intermediates: inter, CurrentTime: now})
	if err == nil {
		return nil
	}
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	switch {
	case errors.As(err, &host):
		return fmt.Errorf("the certificate is for %s, not %s", Names(leaf), name)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		if now.Before(leaf.NotBefore) {
			return fmt.Errorf("the certificate is not valid before %s", leaf.NotBefore.UTC().Format(time.DateOnly))
		}
		if invalid.Cert != nil && invalid.Cert != leaf {
			return fmt.Errorf("a certificate of the chain (%s) expired on %s", invalid.Cert.Subject.CommonName, invalid.Cert.NotAfter.UTC().Format(time.DateOnly))
		}
		return fmt.Errorf("the certificate expired on %s", leaf.NotAfter.UTC().Format(time.DateOnly))
	case errors.As(err, &unknown):
		if leaf.Issuer.String() == leaf.Subject.String() {
			return errors.New("the certificate is self-signed: install one from a trusted authority")
		}
		return fmt.Errorf("the certificate is issued by %q, which is not trusted here: install a certificate from a trusted authority, with its intermediate certificates", leaf.Issuer.CommonName)
	}
	return err
}

// Names lists the names a certificate is for.
func Names(c *x509.Certificate) string {
	names := c.DNSNames
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = []string{c.Subject.CommonName}
	}
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no name"
	}
	return strings.Join(names, ", ")
}

// startTLS runs the protocol's dialogue up to the point where TLS begins.
func startTLS(conn net.Conn, start string) error {
	r := bufio.NewReader(conn)
	send := func(line string) error {
		_, err := conn.Write([]byte(line + "\r\n"))
		return err
	}
	switch start {
	case Implicit:
		return nil
	case IMAP:
		greeting, err := readLine(r)
		if err != nil {
			return fmt.Errorf("IMAP greeting: %w", err)
		}
		if !strings.HasPrefix(greeting, "* OK") {
			return fmt.Errorf("IMAP greeting: %q", greeting)
		}
		if err := send("m1 STARTTLS"); err != nil {
			return err
		}
		for {
			line, err := readLine(r)
			if err != nil {
				return fmt.Errorf("IMAP STARTTLS: %w", err)
			}
			if tag, rest, _ := strings.Cut(line, " "); tag == "m1" {
				if !strings.HasPrefix(strings.ToUpper(rest), "OK") {
					return fmt.Errorf("the server refuses STARTTLS: %q", line)
				}
				return nil
			}
		}
	case POP3:
		greeting, err := readLine(r)
		if err != nil || !strings.HasPrefix(greeting, "+OK") {
			return fmt.Errorf("POP3 greeting: %q %v", greeting, err)
		}
		if err := send("STLS"); err != nil {
			return err
		}
		line, err := readLine(r)
		if err != nil {
			return fmt.Errorf("POP3 STLS: %w", err)
		}
		if !strings.HasPrefix(line, "+OK") {
			return fmt.Errorf("the server refuses STLS: %q", line)
		}
		return nil
	case SMTP:
		code, text, err := readReply(r)
		if err != nil {
			return fmt.Errorf("SMTP greeting: %w", err)
		}
		if code != 220 {
			return fmt.Errorf("SMTP greeting: %d %s", code, text)
		}
		if err := send("EHLO mailform-check"); err != nil {
			return err
		}
		code, text, err = readReply(r)
		if err != nil || code != 250 {
			return fmt.Errorf("SMTP EHLO: %d %s %v", code, text, err)
		}
		if !strings.Contains(strings.ToUpper(text), "\nSTARTTLS") {
			return errors.New("the server does not offer STARTTLS")
		}
		if err := send("STARTTLS"); err != nil {
			return err
		}
		code, text, err = readReply(r)
		if err != nil {
			return fmt.Errorf("SMTP STARTTLS: %w", err)
		}
		if code != 220 {
			return fmt.Errorf("the server refuses STARTTLS: %d %s", code, text)
		}
		return nil
	}
	return fmt.Errorf("unknown way to start TLS %q", start)
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// readReply reads an SMTP reply, all its lines, joined by newlines.
func readReply(r *bufio.Reader) (int, string, error) {
	var lines []string
	for {
		line, err := readLine(r)
		if err != nil {
			return 0, "", err
		}
		if len(line) < 3 {
			return 0, "", fmt.Errorf("malformed reply %q", line)
		}
		var code int
		if _, err := fmt.Sscanf(line[:3], "%d", &code); err != nil {
			return 0, "", fmt.Errorf("malformed reply %q", line)
		}
		lines = append(lines, strings.TrimSpace(line[min(len(line), 4):]))
		if len(line) == 3 || line[3] != '-' {
			return code, strings.Join(lines, "\n"), nil
		}
	}
}
