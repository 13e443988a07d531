package schema

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// problem is what is wrong with a name, as a diagnostic's summary and detail.
type problem struct {
	summary, detail string
}

var idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false))

// The name matchers below are checked on every domain, address and name of
// a config; a hundred thousand mailboxes made regexps a sixth of loading.
// FuzzNameMatchers holds each to the pattern in its comment.

// isLDHLabel matches ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$.
func isLDHLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// isAtomText matches ^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$.
func isAtomText(s string) bool {
	if len(s) == 0 || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if s[i-1] == '.' {
				return false
			}
		case isLowerAlnum(c) || strings.IndexByte("!#$%&'*+/=?^_`{|}~-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// isIdentifier matches ^[a-z0-9]([a-z0-9_.-]{0,62})$.
func isIdentifier(s string) bool {
	if len(s) == 0 || len(s) > 63 || !isLowerAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '_' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// isIDN reports whether a domain name is internationalised, written in
// Unicode or in its xn-- form.
func isIDN(name string) bool {
	for _, r := range name {
		if r > 0x7f {
			return true
		}
	}
	for _, l := range strings.Split(strings.ToLower(name), ".") {
		if strings.HasPrefix(l, "xn--") {
			return true
		}
	}
	return false
}

// domainName checks a domain name and returns its ASCII form (punycode for
// an IDN) and the form people read. An IDN passes only when allowIDN is set.
func domainName(name string, allowIDN bool) (ascii, unicode string, p *problem) {
	n := strings.TrimSuffix(strings.TrimSpace(name), ".")
	if n == "" {
		return "", "", &problem{"empty domain name", "Write the part after @, such as example.com."}
	}
	if !utf8.ValidString(n) {
		// IDNA would turn the bad bytes into U+FFFD, a name that no
		// later check accepts.
		return "", "", &problem{fmt.Sprintf("domain name %q is not valid UTF-8", name), "Save the file as UTF-8 and write the name again."}
	}
	if strings.Contains(n, "@") {
		return "", "", &problem{fmt.Sprintf("%q is an address, not a domain", name), fmt.Sprintf("A domain is the part after @: %s.", n[strings.LastIndex(n, "@")+1:])}
	}
	if isIDN(n) {
		if !allowIDN {
			return "", "", &problem{fmt.Sprintf("internationalised name %q on a real domain", name),
				"IDN (accented) names are allowed only as alias domains: host the mail on an ASCII domain and add this name to it as alias_domain."}
		}
		a, err := idnaProfile.ToASCII(n)
		if err != nil {
			return "", "", &problem{fmt.Sprintf("%q is not a valid internationalised domain name", name), "Check the spelling; every label must be a valid IDNA 2008 name."}
		}
		n = a
	}
	n = strings.ToLower(n)
	if strings.HasPrefix(n, "www.") {
		return "", "", &problem{fmt.Sprintf("%q starts with www.", name),
			fmt.Sprintf("A mail domain is the part after @ and never has www.: write %s.", strings.TrimPrefix(n, "www."))}
	}
	if len(n) > 253 {
		return "", "", &problem{fmt.Sprintf("domain name %q is longer than 253 characters", name), "Use a shorter domain name."}
	}
	labels := strings.Split(n, ".")
	if len(labels) < 2 {
		return "", "", &problem{fmt.Sprintf("%q is not a fully qualified domain name", name), "Write the whole name with its top-level domain, such as example.com."}
	}
	for _, l := range labels {
		if !isLDHLabel(l) {
			return "", "", &problem{fmt.Sprintf("%q is not a valid domain name", name),
				"Each dot-separated label is 1-63 letters, digits and hyphens, not starting or ending with a hyphen; write it as example.com."}
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return "", "", &problem{fmt.Sprintf("%q is not a valid domain name", name), "The top-level domain cannot be all digits; an IP address is not a domain."}
	}
	unicode = n
	if isIDN(n) {
		if u, err := idnaProfile.ToUnicode(n); err == nil {
			unicode = u
		}
	}
	return n, unicode, nil
}

// hostName checks a fully qualified host name such as mail.example.com.
func hostName(name string) *problem {
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	labels := strings.Split(n, ".")
	ok := len(n) <= 253 && len(labels) >= 2 && strings.Trim(labels[len(labels)-1], "0123456789") != ""
	for _, l := range labels {
		ok = ok && isLDHLabel(l)
	}
	if !ok {
		return &problem{fmt.Sprintf("%q is not a valid host name", name), "Write a fully qualified host name such as mail.example.com."}
	}
	return nil
}

// dnsName checks a domain name that need not be a host, such as an SPF
// include target: its labels may hold underscores (_spf.example.com).
func dnsName(name string) *problem {
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	labels := strings.Split(n, ".")
	ok := len(n) <= 253 && len(labels) >= 2
	for _, l := range labels {
		ok = ok && ownerLabel.MatchString(l) && l != "*"
	}
	if !ok {
		return &problem{fmt.Sprintf("%q is not a valid domain name", name), "Write a fully qualified name such as _spf.example.com."}
	}
	return nil
}

// localPart checks the part of an address before @.
func localPart(s string) *problem {
	if s == "" {
		return &problem{"empty local part", "Write the part before @, such as info."}
	}
	if len(s) > 64 {
		return &problem{fmt.Sprintf("local part %q is longer than 64 characters", s), "Use a shorter name."}
	}
	if !isAtomText(strings.ToLower(s)) {
		return &problem{fmt.Sprintf("%q is not a valid local part", s),
			"A local part is letters, digits and !#$%&'*+/=?^_`{|}~- in dot-separated runs, such as mario.rossi."}
	}
	return nil
}

// address checks an email address and returns it in canonical form: lower
// case, with an IDN domain in ASCII.
func address(s string) (string, *problem) {
	at := strings.LastIndex(s, "@")
	if at <= 0 || at == len(s)-1 {
		return "", &problem{fmt.Sprintf("%q is not an email address", s), "Write a whole address such as info@example.com."}
	}
	if p := localPart(s[:at]); p != nil {
		return "", &problem{fmt.Sprintf("%q is not an email address", s), p.detail}
	}
	dom, _, p := domainName(s[at+1:], true)
	if p != nil {
		return "", &problem{fmt.Sprintf("%q is not an email address", s), p.detail}
	}
	return strings.ToLower(s[:at]) + "@" + dom, nil
}

// ipOrNet checks an IP address or network for allowed_ips.
func ipOrNet(s string) *problem {
	if _, err := netip.ParseAddr(s); err == nil {
		return nil
	}
	if _, err := netip.ParsePrefix(s); err == nil {
		return nil
	}
	return &problem{fmt.Sprintf("%q is not an IP address", s), "Write an IPv4 or IPv6 address, such as 203.0.113.7 or 2001:db8::7, or a network such as 203.0.113.0/28."}
}

// ipv4 checks an IPv4 address.
func ipv4(s string) *problem {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return &problem{fmt.Sprintf("%q is not an IPv4 address", s), "Write a dotted IPv4 address such as 203.0.113.10."}
	}
	return nil
}

// ipv6 checks an IPv6 address.
func ipv6(s string) *problem {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Is4In6() {
		return &problem{fmt.Sprintf("%q is not an IPv6 address", s), "Write an IPv6 address such as 2001:db8::10."}
	}
	return nil
}

// CanonicalDomain returns a domain name as mailform keeps it: lower case,
// without a final dot, an IDN in its ASCII (punycode) form.
func CanonicalDomain(name string) (string, error) {
	ascii, _, p := domainName(name, true)
	if p != nil {
		return "", fmt.Errorf("%s", p.summary)
	}
	return ascii, nil
}
