package servers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// CA is a certificate authority a test makes, to issue the certificates
// its servers serve. File holds its certificate in PEM: point
// $SSL_CERT_FILE at it and a client trusts it alone.
type CA struct {
	File string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// Cert is a certificate and its key, in PEM.
type Cert struct {
	CertPEM, KeyPEM []byte
}

var serial atomic.Int64

// NewCA makes a CA in a temporary directory.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key, der, err := makeCert(&x509.Certificate{Subject: pkix.Name{CommonName: "mailform test CA"},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return &CA{File: file, cert: cert, key: key}
}

// Issue makes a server certificate for names, valid from notBefore to
// notAfter.
func (ca *CA) Issue(t testing.TB, notBefore, notAfter time.Time, names ...string) Cert {
	t.Helper()
	c, err := issue(ca.cert, ca.key, notBefore, notAfter, names)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// SelfSigned makes a self-signed server certificate for names, valid for a
// day.
func SelfSigned(names ...string) (Cert, error) {
	return issue(nil, nil, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour), names)
}

func issue(parent *x509.Certificate, parentKey *ecdsa.PrivateKey, notBefore, notAfter time.Time, names []string) (Cert, error) {
	key, der, err := makeCert(&x509.Certificate{Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		NotBefore: notBefore, NotAfter: notAfter}, parent, parentKey)
	if err != nil {
		return Cert{}, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return Cert{}, err
	}
	return Cert{CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})}, nil
}

// makeCert signs tmpl with parent's key, or with its own for a root.
func makeCert(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = big.NewInt(serial.Add(1))
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	return key, der, err
}

// Write writes the certificate and key into dir as cert.pem and key.pem.
func (c Cert) Write(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), c.CertPEM, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "key.pem"), c.KeyPEM, 0o600)
}

// ServeTLS starts a TLS listener on 127.0.0.1 that serves cert to every
// client and then closes the connection: a web server, as far as a
// certificate check can tell. It returns the port.
func ServeTLS(t testing.TB, cert Cert) int {
	t.Helper()
	return ServeStartTLS(t, cert, nil)
}

// ServeStartTLS is ServeTLS with a plain-text dialogue first, such as an
// IMAP greeting and STARTTLS: TLS starts when dialogue returns true, and
// the connection closes when it returns false.
func ServeStartTLS(t testing.TB, cert Cert, dialogue func(conn net.Conn) bool) int {
	t.Helper()
	pair, err := tls.X509KeyPair(cert.CertPEM, cert.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	addr := ServeTCP(t, func(conn net.Conn) {
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if dialogue != nil && !dialogue(conn) {
			return
		}
		tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{pair}}).Handshake()
	})
	return addr.(*net.TCPAddr).Port
}

// ServeTCP listens on a free port of 127.0.0.1 until the test ends, and
// hands each connection to serve, on a goroutine of its own.
func ServeTCP(t testing.TB, serve func(net.Conn)) net.Addr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(conn)
		}
	}()
	return ln.Addr()
}
