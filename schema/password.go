package schema

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Sensitive marks a diagnostic whose source line may hold a secret: it is
// shown without the line.
type Sensitive struct{}

// hashFormats are the crypt formats a password_hash may use, by the Dovecot
// scheme that names them. Bare crypt strings ($6$…) are accepted too.
var hashFormats = []struct {
	schemes []string
	match   func(string) bool
}{
	{[]string{"SHA512-CRYPT", "CRYPT"}, shaCrypt("$6$", 86)},
	{[]string{"SHA256-CRYPT", "CRYPT"}, shaCrypt("$5$", 43)},
	{[]string{"BLF-CRYPT", "CRYPT"}, bcrypt},
	{[]string{"MD5-CRYPT", "CRYPT-MD5", "CRYPT"}, regexp.MustCompile(`^\$1\$[./0-9A-Za-z]{0,8}\$[./0-9A-Za-z]{22}$`).MatchString},
	{[]string{"ARGON2ID"}, regexp.MustCompile(`^\$argon2id\$v=[0-9]+\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$`).MatchString},
	{[]string{"ARGON2I"}, regexp.MustCompile(`^\$argon2i\$v=[0-9]+\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$`).MatchString},
}

// shaCrypt matches a SHA-crypt hash: prefix, optional rounds=N$, a salt of
// 1 to 16 characters, $, and a digest of n characters. It is what
// ^\$6\$(rounds=[0-9]+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$ says for
// $6$, written out: the hashes of a large config are checked one by one.
func shaCrypt(prefix string, n int) func(string) bool {
	return func(h string) bool {
		rest, ok := strings.CutPrefix(h, prefix)
		if !ok {
			return false
		}
		if r, ok := strings.CutPrefix(rest, "rounds="); ok {
			digits, after, found := strings.Cut(r, "$")
			if found && digits != "" && strings.Trim(digits, "0123456789") == "" && shaCryptSalt(after, n) {
				return true
			}
		}
		return shaCryptSalt(rest, n)
	}
}

// bcrypt matches ^\$2[abxy]?\$[0-9]{2}\$[./0-9A-Za-z]{53}$, written out
// like shaCrypt.
func bcrypt(h string) bool {
	rest, ok := strings.CutPrefix(h, "$2")
	if !ok {
		return false
	}
	if len(rest) > 0 && strings.IndexByte("abxy", rest[0]) >= 0 {
		rest = rest[1:]
	}
	return len(rest) == 57 && rest[0] == '$' && isDigit(rest[1]) && isDigit(rest[2]) && rest[3] == '$' && cryptChars(rest[4:])
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func shaCryptSalt(s string, n int) bool {
	salt, digest, found := strings.Cut(s, "$")
	return found && len(salt) >= 1 && len(salt) <= 16 && cryptChars(salt) && len(digest) == n && cryptChars(digest)
}

// cryptChars reports whether s is in crypt's alphabet, [./0-9A-Za-z].
func cryptChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '.' || c == '/' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// saltedSHA are the base64 schemes, with the digest size they carry.
var saltedSHA = map[string]int{"SSHA512": 64, "SSHA256": 32}

// plaintextSchemes store the password itself.
var plaintextSchemes = map[string]bool{"PLAIN": true, "CLEAR": true, "CLEARTEXT": true, "PLAIN-TRUNC": true}

// schemePrefixMatch splits "{SCHEME}rest", as ^\{([A-Za-z0-9.-]+)\}(.*)$ would:
// it returns nil when h has no scheme.
func schemePrefixMatch(h string) []string {
	if !strings.HasPrefix(h, "{") {
		return nil
	}
	scheme, rest, found := strings.Cut(h[1:], "}")
	if !found || scheme == "" {
		return nil
	}
	for i := 0; i < len(scheme); i++ {
		c := scheme[i]
		if !(c == '.' || c == '-' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return nil
		}
	}
	if strings.Contains(rest, "\n") {
		return nil // . does not match a newline
	}
	return []string{h, scheme, rest}
}

// HashScheme is the Dovecot scheme of a hash checkHash accepts, e.g.
// "SHA512-CRYPT" for both "{SHA512-CRYPT}$6$…" and "$6$…".
func HashScheme(h string) string {
	if m := schemePrefixMatch(h); m != nil {
		s := strings.ToUpper(m[1])
		if s == "CRYPT-MD5" {
			return "MD5-CRYPT"
		}
		if s != "CRYPT" {
			return s
		}
		h = m[2]
	}
	for _, f := range hashFormats {
		if f.match(h) {
			return f.schemes[0]
		}
	}
	return ""
}

// hashProblem says what is wrong with a password_hash, without repeating it.
type hashProblem int

const (
	hashOK hashProblem = iota
	hashPlaintext
	hashMalformed
	hashUnknownScheme
)

// checkHash tells whether h is a crypt hash mailform accepts.
func checkHash(h string) hashProblem {
	body := h
	scheme := ""
	if m := schemePrefixMatch(h); m != nil {
		scheme, body = strings.ToUpper(m[1]), m[2]
		if plaintextSchemes[scheme] {
			return hashPlaintext
		}
		if size, ok := saltedSHA[scheme]; ok {
			raw, err := base64.StdEncoding.DecodeString(body)
			if err != nil || len(raw) <= size {
				return hashMalformed
			}
			return hashOK
		}
	}
	known := scheme == ""
	for _, f := range hashFormats {
		for _, s := range f.schemes {
			if s == scheme {
				known = true
			}
		}
		if scheme != "" && !contains(f.schemes, scheme) {
			continue
		}
		if f.match(body) {
			return hashOK
		}
	}
	switch {
	case !known:
		return hashUnknownScheme
	case scheme == "" && !strings.HasPrefix(body, "$"):
		return hashPlaintext
	}
	return hashMalformed
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const hashHelp = `Accepted: {SHA512-CRYPT}$6$…, {SHA256-CRYPT}$5$…, {BLF-CRYPT}$2y$…, {MD5-CRYPT}$1$… (or CRYPT-MD5, for imports), {ARGON2ID}$argon2id$…, {SSHA512}…; the bare $6$… forms too. Make one with: doveadm pw -s SHA512-CRYPT.`

// CheckReferencedHash checks the crypt hash a password_hash reference
// holds as a literal one is checked, and says what is wrong naming the
// reference, never the value; nil when the hash is accepted.
func CheckReferencedHash(rng hcl.Range, ref Secret, hash string) *hcl.Diagnostic {
	p := checkHash(hash)
	if p == hashOK {
		return nil
	}
	d := hashDiagnostic(rng, "password_hash", p)
	switch p {
	case hashPlaintext:
		d.Summary = fmt.Sprintf("password_hash: %s holds a plaintext password, not a crypt hash", ref)
	case hashUnknownScheme:
		d.Summary = fmt.Sprintf("password_hash: %s holds a hash of a scheme mailform does not accept", ref)
	default:
		d.Summary = fmt.Sprintf("password_hash: %s does not hold a valid crypt hash", ref)
	}
	return d
}

// hashDiagnostic reports a bad password_hash without showing it.
func hashDiagnostic(rng hcl.Range, name string, p hashProblem) *hcl.Diagnostic {
	if p == hashPlaintext {
		return plaintextDiagnostic(rng, name)
	}
	summary := fmt.Sprintf("%s is not a valid crypt hash", name)
	if p == hashUnknownScheme {
		summary = fmt.Sprintf("%s uses a scheme mailform does not accept", name)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   hashHelp,
		Subject:  rng.Ptr(),
		Extra:    Sensitive{},
	}
}

// plaintextDiagnostic refuses a password written in the config.
func plaintextDiagnostic(rng hcl.Range, name string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("plaintext password refused in %s", name),
		Detail:   `A password never lives in the config. Put its crypt hash in password_hash (doveadm pw -s SHA512-CRYPT makes one), or point to the secret: password = env("MAILFORM_ACME_INFO_PASSWORD") or password = file("secrets/info").`,
		Subject:  rng.Ptr(),
		Extra:    Sensitive{},
	}
}
