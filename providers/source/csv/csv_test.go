package csv

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailform/mailform/internal/golden"
	"github.com/mailform/mailform/providers/source"
	"github.com/mailform/mailform/schema"
)

// imported reads files and renders the config files import writes.
func imported(t *testing.T, files Files, opt Options, format string) source.Files {
	t.Helper()
	tenants, err := Read(files, opt)
	if err != nil {
		t.Fatal(err)
	}
	out, err := source.Render(tenants, format)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// render is what import writes, every file after a line naming it.
func render(t *testing.T, files Files, opt Options, format string) string {
	t.Helper()
	out := imported(t, files, opt, format)
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(out)) {
		b.WriteString("== " + name + "\n" + string(out[name]))
	}
	return b.String()
}

// set names the files of dir, each "<name>.csv".
func set(dir string, names ...string) Files {
	var f Files
	for _, n := range names {
		p := filepath.Join(dir, n+".csv")
		switch n {
		case "domains":
			f.Domains = p
		case "alias-domains":
			f.AliasDomains = p
		case "accounts":
			f.Accounts = p
		case "aliases":
			f.Aliases = p
		}
	}
	return f
}

// The panel's files, read and written: the same input gives the same
// bytes, in HCL and in YAML, and the result loads without a problem
// beside the platform file.
func TestImport(t *testing.T) {
	for _, tc := range []struct {
		name, dir string
		files     Files
		opt       Options
		format    string
	}{
		{"panel-hcl", "panel", set("testdata/panel", "domains", "alias-domains", "accounts", "aliases"), Options{}, "hcl"},
		{"panel-yaml", "panel", set("testdata/panel", "domains", "alias-domains", "accounts", "aliases"), Options{}, "yaml"},
		// UTF-8 with a byte-order mark, Windows-1252, CRLF; every optional
		// column; mailboxes over max_mailboxes switched off.
		{"expert-hcl", "expert", set("testdata/expert", "domains", "accounts"), Options{Expert: true, Tenant: "acme"}, "hcl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.files, tc.opt, tc.format)
			if again := render(t, tc.files, tc.opt, tc.format); again != got {
				t.Error("a second import of the same files differs")
			}
			golden.Check(t, filepath.Join("testdata", tc.dir, "want."+tc.format), got)
			loads(t, tc.files, tc.opt, tc.format, filepath.Join("testdata", tc.dir, "platform.hcl"))
		})
	}
}

// loads writes an import beside a platform file and loads it as validate
// does: no error, no warning.
func loads(t *testing.T, files Files, opt Options, format, platform string) {
	t.Helper()
	out := imported(t, files, opt, format)
	p, err := os.ReadFile(platform)
	if err != nil {
		t.Fatal(err)
	}
	out["platform.hcl"] = p
	dir := t.TempDir()
	if err := source.WriteFiles(dir, out, false); err != nil {
		t.Fatal(err)
	}
	if _, _, _, diags := schema.Load(dir); len(diags) > 0 {
		t.Errorf("the import does not load cleanly:\n%s", diags.Error())
	}
}

// Bad files: every problem at once, each at file:line:field, and no
// tenant.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string // file name → content
		opt   Options
		want  []string
	}{
		{"header line", map[string]string{"domains": "Dominio;Password\nacme.example;x\n"}, Options{},
			[]string{`domains.csv:1: the first line looks like column headings ("Dominio"). The files have no header line: remove it.`}},
		{"column counts", map[string]string{
			"domains":  "acme.example;x;;;;;;\nb.example\n",
			"accounts": "info@acme.example;x\n",
		}, Options{},
			[]string{
				"domains.csv:1: 8 fields, want 2 (domain;postmaster_password). The line has the optional columns: pass --expert to import them, or remove them.",
				"domains.csv:2: 1 fields, want 2 (domain;postmaster_password). Check the separators: fields are separated by ; and a field that holds ; must be quoted.",
				"accounts.csv:1:address: domain acme.example of info@acme.example is not in the domains file. Import the domain too: add it to the file given with --domains.",
			}},
		{"expert needs every column", map[string]string{"domains": "acme.example;x\n"}, Options{Expert: true},
			[]string{"domains.csv:1: 2 fields, want 8 (domain;postmaster_password;max_mailboxes;max_quota;default_quota;services;allowed_ips;catch_all). With --expert every optional column must be there, even empty: add the ; of the empty ones."}},
		{"names and passwords", map[string]string{
			"domains":       "www.acme.example;x\ncaffè.example;x\nacme.example;x\nacme.example;y\nshop.example;{PLAIN}secret\nold.example;$6$short\n",
			"alias-domains": "acmé.example;missing.example\n",
			"accounts":      "mario@;x\ninfo@acme.example;\ninfo@acme.example;z\npostmaster@acme.example;z\n",
			"aliases":       "sales@acme.example;\nteam@acme.example;not-an-address\n",
		}, Options{},
			[]string{
				`domains.csv:1:domain: "www.acme.example" starts with www.. A mail domain is the part after @ and never has www.: write acme.example.`,
				`domains.csv:2:domain: internationalised name "caffè.example" on a real domain. IDN (accented) names are allowed only as alias domains: host the mail on an ASCII domain and add this name to it as alias_domain.`,
				"domains.csv:4:domain: domain acme.example is listed twice. It is at line 3 already: keep one line.",
				"domains.csv:5:postmaster_password: a plaintext password scheme. " + hashHelpForTest,
				"domains.csv:6:postmaster_password: not a valid crypt hash. " + hashHelpForTest,
				"alias-domains.csv:1:domain: domain missing.example is not in the domains file. Import the domain too: add it to the file given with --domains.",
				`accounts.csv:1:address: "mario@" is not an email address. Write a whole address such as info@example.com.`,
				"accounts.csv:2:password: no password. Give the password, or its crypt hash ({SHA512-CRYPT}$6$…, $1$…, {BLF-CRYPT}…).",
				"accounts.csv:3:address: info@acme.example is listed twice. It is at line 2 already: keep one line.",
				"accounts.csv:4:address: postmaster@acme.example is the domain's postmaster. Give its password in the domains file (postmaster_password), not as an account.",
				"aliases.csv:1:destinations: an alias without destinations. List the addresses it delivers to, separated by commas.",
				`aliases.csv:2:destinations: "not-an-address" is not an email address. Write a whole address such as info@example.com.`,
			}},
		{"alias loop", map[string]string{
			"domains": "acme.example;x\n",
			"aliases": "a@acme.example;b@acme.example\nb@acme.example;a@acme.example\nc@acme.example;boss@example.org\n",
		}, Options{},
			[]string{"aliases.csv:1:destinations: alias loop: a@acme.example → b@acme.example → a@acme.example. Point one of them at a mailbox or an outside address."}},
		{"broken quoting", map[string]string{"domains": "acme.example;\"x\ny.example;z\n"}, Options{},
			[]string{`domains.csv:1: not a valid CSV line: extraneous or missing " in quoted-field. Separate fields with ; and quote a field that holds ; or " with "…", doubling a " inside it.`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name+".csv"), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			files := set(dir, slices.Collect(maps.Keys(tc.files))...)
			tenants, err := Read(files, tc.opt)
			var errs Errors
			if !errors.As(err, &errs) || tenants != nil {
				t.Fatalf("Read = %v, %v; want Errors and no tenant", tenants, err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, strings.TrimPrefix(e.Error(), dir+string(filepath.Separator)))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// hashHelpForTest is what the checks say about accepted hashes.
var hashHelpForTest = func() string {
	var ve *schema.ValueError
	errors.As(schema.CheckHash("$6$x"), &ve)
	return ve.Fix
}()

// Whatever the files hold, Read either reports each problem at a line of
// them, or gives tenants whose config loads without an error beside a
// platform.
func FuzzRead(f *testing.F) {
	f.Add("acme.example;pm\nshop.example;{SHA512-CRYPT}$6$d804449dca0719dc$o9siJyK6uYi.xMz30GE5BxgTsu5VnkNgb4Wp0CxYBLi6dsQ1OW3fVcs2bfaILTwPbWDJXQINa7ILGeufr58Rs/\n",
		"info@acme.example;x\n\"a;b\"@acme.example;y\n", "sales@acme.example;info@acme.example,boss@example.org\n", false)
	f.Add("\xef\xbb\xbfacme.example;pm;1;8GB;2GB;imap;203.0.113.1;info@acme.example\r\n",
		"info@acme.example;x;Info \xe8;4GB;imap,smtp;;250;no\r\nb@acme.example;y;;;;;;\r\n", "", true)
	f.Add("Domain;Password\n", "", "a@x.example;\"unclosed\n", false)
	platform, err := os.ReadFile(filepath.Join("testdata", "panel", "platform.hcl"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, domains, accounts, aliases string, expert bool) {
		dir := t.TempDir()
		files := Files{Domains: filepath.Join(dir, "domains.csv"), Accounts: filepath.Join(dir, "accounts.csv"), Aliases: filepath.Join(dir, "aliases.csv")}
		for p, content := range map[string]string{files.Domains: domains, files.Accounts: accounts, files.Aliases: aliases} {
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		tenants, err := Read(files, Options{Expert: expert})
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Read failed without Errors: %v", err)
			}
			for _, e := range errs {
				if e.Line < 1 {
					t.Errorf("an error without its line: %v", e)
				}
			}
			return
		}
		out, err := source.Render(tenants, "hcl")
		if err != nil {
			t.Fatal(err)
		}
		out["platform.hcl"] = platform
		cfg := t.TempDir()
		if err := source.WriteFiles(cfg, out, false); err != nil {
			t.Fatal(err)
		}
		if _, _, _, diags := schema.Load(cfg); diags.HasErrors() {
			t.Errorf("Read accepted files whose config does not load:\n%s\n%q\n%q\n%q", diags.Error(), domains, accounts, aliases)
		}
	})
}
