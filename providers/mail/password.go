package mail

import (
	"crypto/subtle"
	"errors"
	"strings"
	"unsafe"

	"github.com/GehirnInc/crypt"
	_ "github.com/GehirnInc/crypt/md5_crypt"    // $1$
	_ "github.com/GehirnInc/crypt/sha256_crypt" // $5$
	_ "github.com/GehirnInc/crypt/sha512_crypt" // $6$
	"golang.org/x/crypto/bcrypt"

	"github.com/mailform/mailform/schema"
)

// Password is a mailbox's or relay user's password: a stored hash, as the
// backend holds it and the mail servers check it, or the plaintext a
// secret reference resolved to, which is only ever hashed or verified.
// Neither is ever printed: String, JSON and the plan all say (sensitive).
type Password struct {
	Hash  string // "{SCHEME}…", as stored
	Plain string // from env() or file(); never stored, never shown
}

// HashPassword wraps a crypt hash from the config in the stored form,
// "{SCHEME}hash", the form Dovecot reads.
func HashPassword(h string) Password {
	return Password{Hash: Stored(h)}
}

// PlainPassword wraps a plaintext resolved from a secret reference.
func PlainPassword(p string) Password {
	return Password{Plain: p}
}

// Stored writes a crypt hash with its scheme prefix, as the backend keeps
// it: "$6$…" becomes "{SHA512-CRYPT}$6$…", {CRYPT-MD5} becomes {MD5-CRYPT}.
func Stored(h string) string {
	if i := strings.IndexByte(h, '}'); strings.HasPrefix(h, "{") && i > 0 && storedSchemes[h[1:i]] {
		return h // already as stored: the common case, kept cheap
	}
	scheme := schema.HashScheme(h)
	if scheme == "" {
		return h
	}
	body := h
	if strings.HasPrefix(h, "{") {
		body = h[strings.Index(h, "}")+1:]
	}
	return "{" + scheme + "}" + body
}

// storedSchemes are the scheme names Stored writes.
var storedSchemes = map[string]bool{"SHA512-CRYPT": true, "SHA256-CRYPT": true, "BLF-CRYPT": true, "MD5-CRYPT": true, "ARGON2ID": true, "ARGON2I": true, "SSHA512": true, "SSHA256": true}

func (p Password) String() string { return "(sensitive)" }

// MarshalText keeps a password out of any JSON.
func (p Password) MarshalText() ([]byte, error) { return []byte("(sensitive)"), nil }

// IsZero reports whether no password is set.
func (p Password) IsZero() bool { return p.Hash == "" && p.Plain == "" }

// Matches reports whether the desired password p is what the stored live
// password holds: a plaintext is verified against the live hash, a hash is
// compared as stored.
func (p Password) Matches(live Password) bool {
	if p.Plain != "" {
		return Verify(live.Hash, p.Plain)
	}
	if sameString(p.Hash, live.Hash) {
		// One string, not two equal ones: a plan's second look at a
		// mailbox, after its first kept the live hash in the desired one.
		return true
	}
	return sameHash(Stored(p.Hash), Stored(live.Hash))
}

// sameString reports whether a and b are the same bytes in memory, which
// says nothing of what they hold.
func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// sameHash compares two hashes in time that does not depend on where they
// differ, as subtle.ConstantTimeCompare does, without first copying them
// into byte slices: a plan compares every mailbox's password.
func sameHash(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := range len(a) {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

// ForStorage is the hash to store: the configured hash, or a new
// SHA512-CRYPT hash of the plaintext.
func (p Password) ForStorage() (string, error) {
	if p.Plain == "" {
		if p.Hash == "" {
			return "", errors.New("no password")
		}
		return Stored(p.Hash), nil
	}
	return HashPlaintext(p.Plain, "")
}

// HashPlaintext hashes a plaintext as SHA512-CRYPT, in the stored form,
// with the given salt (up to 16 characters of ./0-9A-Za-z), or a random
// one when salt is empty.
func HashPlaintext(plain, salt string) (string, error) {
	var s []byte
	if salt != "" {
		s = []byte("$6$" + salt)
	}
	h, err := crypt.SHA512.New().Generate([]byte(plain), s)
	if err != nil {
		return "", err
	}
	return "{SHA512-CRYPT}" + h, nil
}

// Verify checks a plaintext against a stored hash. Schemes it cannot check
// count as a mismatch, so that the password is set again.
func Verify(stored, plain string) bool {
	body := stored
	if i := strings.Index(stored, "}"); strings.HasPrefix(stored, "{") && i > 0 {
		body = stored[i+1:]
	}
	switch {
	case strings.HasPrefix(body, "$2"):
		return bcrypt.CompareHashAndPassword([]byte(body), []byte(plain)) == nil
	case strings.HasPrefix(body, "$1$"), strings.HasPrefix(body, "$5$"), strings.HasPrefix(body, "$6$"):
		return crypt.NewFromHash(body).Verify(body, []byte(plain)) == nil
	}
	return false
}
