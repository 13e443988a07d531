package schema

import (
	"regexp"
	"testing"
)

// The patterns the name matchers replace.
var (
	ldhLabelPattern   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	atomTextPattern   = regexp.MustCompile("^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
	identifierPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9_.-]{0,62})$`)
)

func checkNameMatchers(t *testing.T, s string) {
	t.Helper()
	for _, m := range []struct {
		name    string
		got     func(string) bool
		pattern *regexp.Regexp
	}{
		{"isLDHLabel", isLDHLabel, ldhLabelPattern},
		{"isAtomText", isAtomText, atomTextPattern},
		{"isIdentifier", isIdentifier, identifierPattern},
	} {
		if got, want := m.got(s), m.pattern.MatchString(s); got != want {
			t.Errorf("%s(%q) = %v, the pattern says %v", m.name, s, got, want)
		}
	}
}

func TestNameMatchers(t *testing.T) {
	long := "a123456789b123456789c123456789d123456789e123456789f123456789abc"
	for _, s := range []string{"", "a", "-", "a-", "-a", "a-b", "a--b", "A", "é", "a.b", ".a", "a.", "a..b", "a_b", "_a",
		"info", "mario.rossi", "o'brien", "x+tag", "a b", long, long + "d", long[:62], "9", "a\n"} {
		checkNameMatchers(t, s)
	}
}

func FuzzNameMatchers(f *testing.F) {
	for _, s := range []string{"a-b", "mario.rossi", "x+tag", "a..b", "t00001", "ci-north"} {
		f.Add(s)
	}
	f.Fuzz(checkNameMatchers)
}
