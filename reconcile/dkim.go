package reconcile

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"

	"github.com/mailform/mailform/providers/mail"
)

// generateKey makes the key pair of a DKIM key, in place: the private key in
// PEM (PKCS #8) for the signing service, the public key in base64 as the DNS
// record publishes it (RFC 6376 for RSA, RFC 8463 for Ed25519).
func generateKey(k *mail.DKIMKey) error {
	var priv any
	var pub string
	switch k.Algorithm {
	case "ed25519":
		pk, sk, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		priv, pub = sk, base64.StdEncoding.EncodeToString(pk)
	case "rsa":
		bits := k.Bits
		if bits == 0 {
			bits = 2048
		}
		sk, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return err
		}
		der, err := x509.MarshalPKIXPublicKey(&sk.PublicKey)
		if err != nil {
			return err
		}
		priv, pub = sk, base64.StdEncoding.EncodeToString(der)
	default:
		return fmt.Errorf("DKIM key type %q is not supported", k.Algorithm)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	k.PrivateKey = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	k.PublicKey = pub
	return nil
}
