package mail

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPassword(t *testing.T) {
	const sha512 = "$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/" // quickstart-info
	const md5 = "$1$abcdefgh$/Cz1vZATHWXL.p7j3M.c20"                                                                            // imported
	const blf = "$2a$10$P8QhDQbzPaOB5TEAtjvf4ebsJda2l/uc6d8w7i7J6j3G8DnyanFVu"                                                  // reseller-mario
	for _, tc := range []struct {
		stored, plain string
		want          bool
	}{
		{"{SHA512-CRYPT}" + sha512, "quickstart-info", true},
		{"{SHA512-CRYPT}" + sha512, "wrong", false},
		{"{MD5-CRYPT}" + md5, "imported", true},
		{"{BLF-CRYPT}" + blf, "reseller-mario", true},
		{"{BLF-CRYPT}" + blf, "reseller-luigi", false},
		{"{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA", "x", false},
	} {
		if got := Verify(tc.stored, tc.plain); got != tc.want {
			t.Errorf("Verify(%.20s…, %q) = %v", tc.stored, tc.plain, got)
		}
	}
	if got := Stored(sha512); got != "{SHA512-CRYPT}"+sha512 {
		t.Errorf("Stored = %s", got)
	}
	if got := Stored("{CRYPT-MD5}" + md5); got != "{MD5-CRYPT}"+md5 {
		t.Errorf("Stored = %s", got)
	}

	p := PlainPassword("n3w-secret")
	h, err := p.ForStorage()
	if err != nil || !strings.HasPrefix(h, "{SHA512-CRYPT}$6$") {
		t.Fatalf("ForStorage = %q, %v", h, err)
	}
	if !p.Matches(Password{Hash: h}) || PlainPassword("other").Matches(Password{Hash: h}) {
		t.Error("a plaintext does not match its own hash, or matches another's")
	}
	if !HashPassword(sha512).Matches(Password{Hash: "{SHA512-CRYPT}" + sha512}) {
		t.Error("a hash does not match its stored form")
	}
	b, _ := json.Marshal(struct{ P Password }{p})
	if strings.Contains(string(b), "n3w") || p.String() != "(sensitive)" {
		t.Errorf("a password shows: %s %s", b, p)
	}
}

func TestSameHash(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"{SHA512-CRYPT}$6$salt$abc", "{SHA512-CRYPT}$6$salt$abc", true},
		{"{SHA512-CRYPT}$6$salt$abc", "{SHA512-CRYPT}$6$salt$abd", false},
		{"{SHA512-CRYPT}$6$salt$abc", "{SHA512-CRYPT}$6$salt$ab", false},
		{"x", "", false},
		{"a", "A", false},
	} {
		if got := sameHash(tc.a, tc.b); got != tc.want {
			t.Errorf("sameHash(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := HashPassword(tc.a).Matches(Password{Hash: tc.b}); got != tc.want {
			t.Errorf("HashPassword(%q).Matches(%q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		// Equal hashes in two strings are compared byte by byte; one
		// string shared by both sides is not read.
		if got := HashPassword(strings.Clone(tc.a)).Matches(Password{Hash: strings.Clone(tc.b)}); got != tc.want {
			t.Errorf("Matches of copies of %q and %q = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if b := strings.Clone(tc.b); !(Password{Hash: b}).Matches(Password{Hash: b}) {
			t.Errorf("a hash in one string does not match itself: %q", tc.b)
		}
	}
}
