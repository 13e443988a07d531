package schema

import (
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
		err  string
	}{
		{in: "8GB", want: 8 * GB},
		{in: "8 GB", want: 8 * GB},
		{in: "8g", want: 8 * GB},
		{in: "8GiB", want: 8 * GB},
		{in: "50MB", want: 50 * MB},
		{in: "1TB", want: TB},
		{in: "8", err: "has no unit"},
		{in: "GB", err: "is not a size"},
		{in: "0GB", err: "is zero"},
		{in: "8 parsecs", err: "unknown unit"},
		{in: "99999999999999999999GB", err: "too large"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		err  string
	}{
		{in: "30d", want: "30d"},
		{in: "30 days", want: "30d"},
		{in: "1 Day", want: "1d"},
		{in: "0d", want: "0d"},
		{in: "48h", want: "2d"},
		{in: "36 hours", want: "36h"},
		{in: "3650d", want: "3650d"},
		{in: "3651d", err: "longer than ten years"},
		{in: "30", err: "has no unit"},
		{in: "d", err: "is not a period"},
		{in: "-1d", err: "is not a period"},
		{in: "1 month", err: "unknown unit"},
		{in: "99999999d", err: "is not a period"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePeriod(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestSizeString(t *testing.T) {
	got := []string{(8 * GB).String(), PostmasterQuota.String(), (1536 * MB).String(), TB.String(), Size(1000).String()}
	if diff := cmp.Diff([]string{"8GB", "50MB", "1536MB", "1TB", "1000B"}, got); diff != "" {
		t.Error(diff)
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"8GB", "50 MB", "1TiB", "", "9999999999999T"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSize(s)
		if err != nil {
			return
		}
		if got <= 0 {
			t.Fatalf("%q parsed to %d", s, got)
		}
		back, err := ParseSize(got.String())
		if err != nil || back != got {
			t.Fatalf("%q → %s → %v, %v", s, got, back, err)
		}
	})
}

func TestCheckHash(t *testing.T) {
	for _, tc := range []struct {
		hash   string
		want   hashProblem
		scheme string
	}{
		{"{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/", hashOK, "SHA512-CRYPT"},
		{"$6$rounds=5000$salt$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/", hashOK, "SHA512-CRYPT"},
		{"{BLF-CRYPT}$2a$10$P8QhDQbzPaOB5TEAtjvf4ebsJda2l/uc6d8w7i7J6j3G8DnyanFVu", hashOK, "BLF-CRYPT"},
		{"$2y$10$P8QhDQbzPaOB5TEAtjvf4ebsJda2l/uc6d8w7i7J6j3G8DnyanFVu", hashOK, "BLF-CRYPT"},
		{"$1$abcdefgh$/Cz1vZATHWXL.p7j3M.c20", hashOK, "MD5-CRYPT"},
		{"{CRYPT-MD5}$1$abcdefgh$/Cz1vZATHWXL.p7j3M.c20", hashOK, "MD5-CRYPT"},
		{"{MD5-CRYPT}$1$abcdefgh$/Cz1vZATHWXL.p7j3M.c20", hashOK, "MD5-CRYPT"},
		{"{SSHA512}" + strings.Repeat("QUFB", 24), hashOK, "SSHA512"},
		{"{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", hashOK, "ARGON2ID"},
		{"{PLAIN}secret", hashPlaintext, ""},
		{"{CLEAR}secret", hashPlaintext, ""},
		{"secret", hashPlaintext, ""},
		{"{SHA512-CRYPT}$6$short$abc", hashMalformed, ""},
		{"{SHA512-CRYPT}$1$abcdefgh$/Cz1vZATHWXL.p7j3M.c20", hashMalformed, ""},
		{"{SSHA512}!!!", hashMalformed, ""},
		{"{NTLM}0123456789abcdef", hashUnknownScheme, ""},
		{"$9$whatever", hashMalformed, ""},
	} {
		t.Run(tc.hash, func(t *testing.T) {
			if got := checkHash(tc.hash); got != tc.want {
				t.Errorf("checkHash = %d, want %d", got, tc.want)
			}
			if tc.want == hashOK {
				if got := HashScheme(tc.hash); got != tc.scheme {
					t.Errorf("HashScheme = %q, want %q", got, tc.scheme)
				}
			}
		})
	}
}

func FuzzCheckHash(f *testing.F) {
	f.Add("{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/")
	f.Add("$1$abcdefgh$/Cz1vZATHWXL.p7j3M.c20")
	f.Add("{PLAIN}x")
	f.Fuzz(func(t *testing.T, h string) {
		if checkHash(h) == hashOK && HashScheme(h) == "" {
			t.Fatalf("%q is accepted but has no scheme", h)
		}
	})
}

func TestDomainName(t *testing.T) {
	for _, tc := range []struct {
		in, ascii, unicode string
		idn                bool
		problem            string
	}{
		{in: "acme.example", ascii: "acme.example", unicode: "acme.example"},
		{in: "ACME.Example.", ascii: "acme.example", unicode: "acme.example"},
		{in: "caffè.example", idn: true, ascii: "xn--caff-8oa.example", unicode: "caffè.example"},
		{in: "xn--caff-8oa.example", idn: true, ascii: "xn--caff-8oa.example", unicode: "caffè.example"},
		{in: "caffè.example", problem: "internationalised name"},
		{in: "www.acme.example", problem: "starts with www."},
		{in: "acme", problem: "not a fully qualified"},
		{in: "acme_x.example", problem: "not a valid domain name"},
		{in: "-acme.example", problem: "not a valid domain name"},
		{in: "acme.123", problem: "not a valid domain name"},
		{in: "info@acme.example", problem: "is an address"},
		{in: "", problem: "empty domain name"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			ascii, unicode, p := domainName(tc.in, tc.idn)
			if tc.problem != "" {
				if p == nil || !strings.Contains(p.summary, tc.problem) {
					t.Fatalf("problem %v, want one saying %q", p, tc.problem)
				}
				return
			}
			if p != nil {
				t.Fatalf("unexpected problem: %s", p.summary)
			}
			if diff := cmp.Diff([2]string{tc.ascii, tc.unicode}, [2]string{ascii, unicode}); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func FuzzAddress(f *testing.F) {
	for _, s := range []string{"info@acme.example", "Mario.Rossi@Caffè.example", "@", "a@b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, p := address(s)
		if p != nil {
			return
		}
		again, p := address(a)
		if p != nil || again != a {
			t.Fatalf("%q canonicalises to %q, which gives %q, %v", s, a, again, p)
		}
	})
}

func TestSuggest(t *testing.T) {
	names := []string{"quota", "display_name", "password_hash", "services"}
	for in, want := range map[string]string{"qouta": "quota", "pasword_hash": "password_hash", "servics": "services", "zzz": "", "quota": ""} {
		if got := suggest(in, names); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

// A hash never leaves through String or JSON; a reference shows as written.
func TestSecretNeverShowsHash(t *testing.T) {
	h := Secret{Kind: SecretHash, Hash: "$1$abcdefgh$/Cz1vZATHWXL.p7j3M.c20"}
	b, err := json.Marshal(struct{ S Secret }{h})
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{h.String(), string(b)} {
		if strings.Contains(out, "abcdefgh") {
			t.Errorf("shows the hash: %s", out)
		}
	}
	if got := (Secret{Kind: SecretEnv, Ref: "X"}).String(); got != `env("X")` {
		t.Errorf("env ref shows as %s", got)
	}
}

func TestQuoteTXT(t *testing.T) {
	long := strings.Repeat("a", 300)
	for in, want := range map[string]string{
		`v=DKIM1; p=abc`: `"v=DKIM1; p=abc"`,
		`say "hi"`:       `"say \"hi\""`,
		long:             `"` + strings.Repeat("a", 255) + `" "` + strings.Repeat("a", 45) + `"`,
		"":               `""`,
	} {
		if got := QuoteTXT(in); got != want {
			t.Errorf("QuoteTXT(%q) = %s, want %s", in, got, want)
		}
	}
}

// Secret references are not looked up by validation; CheckSecrets, which
// plan calls, reports each missing one at its place without any value.
func TestCheckSecrets(t *testing.T) {
	cfg := loadClean(t, "../examples/reseller/hcl")
	env := Environment{
		LookupEnv: func(name string) (string, bool) {
			if name == "MAILFORM_ROSSI_MARIO_PASSWORD" {
				return "s3cret-value", true
			}
			return "", false
		},
	}
	diags := CheckSecrets(cfg, env)
	got := render("../examples/reseller/hcl", diags)
	if len(diags) != 4 {
		t.Fatalf("got %d diagnostics, want 4 (TSIG secret, Cloudflare token, two postmasters):\n%s", len(diags), got)
	}
	joined := got
	for _, s := range []string{"platform.hcl:60:20: environment variable MAILFORM_TSIG_SECRET is not set", "CLOUDFLARE_API_TOKEN", "MAILFORM_MAILHOST_POSTMASTER_PASSWORD", "MAILFORM_ROSSI_POSTMASTER_PASSWORD"} {
		if !strings.Contains(joined, s) {
			t.Errorf("missing %q in:\n%s", s, joined)
		}
	}
	if strings.Contains(joined, "s3cret-value") {
		t.Error("a secret value is shown")
	}
	v, err := env.Resolve(cfg.Access, Secret{Kind: SecretEnv, Ref: "MAILFORM_ROSSI_MARIO_PASSWORD"})
	if err != nil || v != "s3cret-value" {
		t.Errorf("Resolve = %q, %v", v, err)
	}
	if _, err := env.Resolve(cfg.Access, Secret{Kind: SecretFile, Ref: "secrets/x"}); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Resolve of a missing file: %v", err)
	}
}
