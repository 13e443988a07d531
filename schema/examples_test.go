package schema

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every example exists in HCL and in YAML, and both load, without a single
// warning, into the same model.
func TestExamplesHCLAndYAMLAreEquivalent(t *testing.T) {
	examples := exampleDirs(t)
	for _, name := range []string{"quickstart", "reseller", "relay", "pec"} {
		if _, ok := examples[name]; !ok {
			t.Errorf("example %s is missing", name)
		}
	}
	for name, dirs := range examples {
		t.Run(name, func(t *testing.T) {
			h := loadClean(t, dirs[0])
			y := loadClean(t, dirs[1])
			if len(h.Tenants) == 0 {
				t.Fatal("the example has no tenant")
			}
			if diff := cmp.Diff(h, y, modelOptions); diff != "" {
				t.Errorf("HCL and YAML models differ (-hcl +yaml):\n%s", diff)
			}
		})
	}
}

// The examples are in canonical form, so that `mailform fmt --check` passes
// on them.
func TestExamplesAreCanonical(t *testing.T) {
	for name, dirs := range exampleDirs(t) {
		for _, dir := range dirs {
			files, err := ConfigFiles(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				src, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				out, diags := Format(f, src)
				if diags.HasErrors() {
					t.Fatalf("%s: %s", f, diags.Error())
				}
				if diff := cmp.Diff(string(src), string(out)); diff != "" {
					t.Errorf("%s (%s) is not canonical (-have +canonical):\n%s", f, name, diff)
				}
			}
		}
	}
}

// The reseller example shows what its README promises: three branding modes,
// an IDN alias domain stored as punycode and shown in Unicode, inherited
// values resolved.
func TestResellerExampleModel(t *testing.T) {
	cfg := loadClean(t, "../examples/reseller/yaml")
	modes := map[Branding]bool{}
	var rossi *Domain
	for _, tn := range cfg.Tenants {
		for _, d := range tn.Domains {
			modes[d.Effective.Branding] = true
			if d.Name == "rossi-costruzioni.example" {
				rossi = d
			}
		}
	}
	if diff := cmp.Diff(map[Branding]bool{BrandingNone: true, BrandingReseller: true, BrandingCustomer: true}, modes); diff != "" {
		t.Errorf("branding modes (-want +got):\n%s", diff)
	}
	if rossi == nil {
		t.Fatal("rossi-costruzioni.example not found")
	}
	var names [][2]string
	for _, a := range rossi.AliasDomains {
		names = append(names, [2]string{a.Name, a.Unicode})
	}
	want := [][2]string{{"rossicostruzioni.example", "rossicostruzioni.example"}, {"xn--costruzioni-citt-dmb.example", "costruzioni-città.example"}}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("alias domains (-want +got):\n%s", diff)
	}
	got := map[string]string{}
	for _, m := range rossi.Mailboxes {
		got[m.Name] = m.Effective.Quota.Value.String() + " " + m.Effective.Services.String()
	}
	wantBoxes := map[string]string{
		"anna.verdi":  "8GB imap, smtp, webmail",
		"info":        "8GB imap, pop3, smtp, webmail",
		"mario.rossi": "16GB imap, pop3, smtp, webmail",
	}
	if diff := cmp.Diff(wantBoxes, got); diff != "" {
		t.Errorf("effective mailbox values (-want +got):\n%s", diff)
	}
}

// A directory may mix HCL, .yaml and .yml files; they merge into one config
// whose references cross files and syntaxes.
func TestMixedSyntaxDirectory(t *testing.T) {
	cfg := loadClean(t, "testdata/valid/mixed")
	var got []string
	for _, tn := range cfg.Tenants {
		for _, d := range tn.Domains {
			for _, m := range d.Mailboxes {
				got = append(got, tn.Name+" "+m.Effective.Address+" "+m.Effective.Quota.Value.String()+" "+place(m.NameRange))
			}
		}
	}
	want := []string{
		"acme info@acme.example 8GB testdata/valid/mixed/acme.yaml:7:11",
		"globex sales@globex.example 2GB testdata/valid/mixed/globex.yml:7:11",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if n := len(cfg.SecretRefs()); n != 2 {
		t.Errorf("%d secret references, want 2", n)
	}
}
