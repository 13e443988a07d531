package schema

import (
	"regexp"
	"testing"
)

// The written-out matchers say what these patterns say.
var (
	sha512Pattern = regexp.MustCompile(`^\$6\$(rounds=[0-9]+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$`)
	sha256Pattern = regexp.MustCompile(`^\$5\$(rounds=[0-9]+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{43}$`)
	schemePattern = regexp.MustCompile(`^\{([A-Za-z0-9.-]+)\}(.*)$`)
	bcryptPattern = regexp.MustCompile(`^\$2[abxy]?\$[0-9]{2}\$[./0-9A-Za-z]{53}$`)
)

func sameAsPatterns(t *testing.T, h string) {
	if got, want := shaCrypt("$6$", 86)(h), sha512Pattern.MatchString(h); got != want {
		t.Errorf("SHA512-CRYPT %q: %v, the pattern says %v", h, got, want)
	}
	if got, want := shaCrypt("$5$", 43)(h), sha256Pattern.MatchString(h); got != want {
		t.Errorf("SHA256-CRYPT %q: %v, the pattern says %v", h, got, want)
	}
	if got, want := bcrypt(h), bcryptPattern.MatchString(h); got != want {
		t.Errorf("BLF-CRYPT %q: %v, the pattern says %v", h, got, want)
	}
	got, want := schemePrefixMatch(h), schemePattern.FindStringSubmatch(h)
	if len(got) != len(want) || (got != nil && (got[1] != want[1] || got[2] != want[2])) {
		t.Errorf("scheme of %q: %q, the pattern says %q", h, got, want)
	}
}

var hashSeeds = []string{
	"{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/",
	"$6$rounds=5000$abc$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/",
	"$6$rounds=$abc$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/",
	"$6$rounds=5000$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/",
	"$5$salt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFG",
	"$5$0123456789abcdefg$0123456789abcdefghijklmnopqrstuvwxyzABCDEFG",
	"{PLAIN}secret", "{}x", "{a}b}", "{X\n}y", "{X}a\nb", "$6$$x",
	"$2a$10$P8QhDQbzPaOB5TEAtjvf4ebsJda2l/uc6d8w7i7J6j3G8DnyanFVu", "$2$10$P8QhDQbzPaOB5TEAtjvf4ebsJda2l/uc6d8w7i7J6j3G8DnyanFVu",
	"$2z$10$P8QhDQbzPaOB5TEAtjvf4ebsJda2l/uc6d8w7i7J6j3G8DnyanFVu", "$2a$1$P8QhDQbzPaOB5TEAtjvf4ebsJda2l/uc6d8w7i7J6j3G8DnyanFVux",
}

func TestHashMatchers(t *testing.T) {
	for _, h := range hashSeeds {
		sameAsPatterns(t, h)
	}
}

func FuzzHashMatchers(f *testing.F) {
	for _, h := range hashSeeds {
		f.Add(h)
	}
	f.Fuzz(sameAsPatterns)
}
