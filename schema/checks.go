package schema

import (
	"fmt"
	"strings"
)

// Checks of single values, for the ways in (mailform import) that read
// values from outside a config and report each at its own place. They
// apply the rules validation applies to a config.

// ValueError says what is wrong with a value, and what would be right.
type ValueError struct {
	What, Fix string
}

func (e *ValueError) Error() string { return e.What + ": " + e.Fix }

func valueError(p *problem) error {
	if p == nil {
		return nil
	}
	return &ValueError{What: p.summary, Fix: p.detail}
}

// CheckAddress returns an email address in canonical form (lower case, an
// IDN domain in ASCII), or a *ValueError.
func CheckAddress(s string) (string, error) {
	a, p := address(s)
	return a, valueError(p)
}

// CheckLocalPart checks the part of an address before @.
func CheckLocalPart(s string) error { return valueError(localPart(s)) }

// CheckDomainName returns a domain name in canonical form (ASCII, as
// mailform keeps it) and as people read it (Unicode), or a *ValueError: an
// internationalised name only for an alias domain, and never one
// starting with www.
func CheckDomainName(name string, alias bool) (ascii, unicode string, err error) {
	ascii, unicode, p := domainName(name, alias)
	return ascii, unicode, valueError(p)
}

// CheckIP checks an IP address or network, as allowed_ips holds them.
func CheckIP(s string) error { return valueError(ipOrNet(s)) }

// LooksHashed reports whether a password is written as a crypt hash: a
// Dovecot scheme in braces ({SHA512-CRYPT}…) or a crypt prefix ($1$, $5$,
// $6$, $2y$…). Such a value is checked as a hash, never taken for a
// plaintext.
func LooksHashed(s string) bool {
	if schemePrefixMatch(s) != nil {
		return true
	}
	for _, p := range []string{"$1$", "$5$", "$6$", "$2a$", "$2b$", "$2x$", "$2y$", "$argon2"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// CheckHash checks a crypt hash as password_hash takes it, and says what
// is wrong without repeating the value.
func CheckHash(h string) error {
	switch checkHash(h) {
	case hashOK:
		return nil
	case hashPlaintext:
		return &ValueError{What: "a plaintext password scheme", Fix: hashHelp}
	case hashUnknownScheme:
		return &ValueError{What: "a hash of a scheme mailform does not accept", Fix: hashHelp}
	}
	return &ValueError{What: "not a valid crypt hash", Fix: hashHelp}
}

// CheckTenantName checks a tenant's name: lower-case letters, digits, '-',
// '_' and '.', starting with a letter or digit.
func CheckTenantName(s string) error {
	if isIdentifier(s) {
		return nil
	}
	return &ValueError{What: fmt.Sprintf("%q is not a valid tenant name", s), Fix: "A tenant name is lower-case letters, digits, '-', '_' and '.', starting with a letter or digit, such as acme."}
}
