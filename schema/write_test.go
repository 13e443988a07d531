package schema

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// What the writer writes loads, from HCL and from YAML, into one model
// without a warning, and its HCL is canonical (fmt changes nothing).
func TestWriterOutputLoadsAlike(t *testing.T) {
	platform := &Block{Type: "platform"}
	platform.Set("name", "Mail").Set("mail_host", "mail.platform.example").
		Set("webmail_url", "https://webmail.platform.example").Set("verification_ip", "192.0.2.16").
		Set("send_limits", []int{250, 1000})
	platform.Add("mx", "mx01.platform.example").Set("priority", 10)
	tenant := &Block{Type: "tenant", Label: "acme"}
	tenant.Set("display_name", "ACME \"Ltd\" \u00e8")
	domain := tenant.Add("domain", "acme.example")
	domain.Set("catch_all", "info@acme.example")
	domain.Add("alias_domain", "acmé.example")
	box := domain.Add("mailbox", "info")
	box.Set("quota", "4GB").Set("password", Expr(`env("MAILFORM_INFO")`))
	box.Add("forward", "").Set("to", []string{"boss@example.org"})
	domain.Add("alias", "team").Set("to", []string{"info@acme.example"})
	blocks := []*Block{platform, tenant}

	var models []*Config
	for _, format := range []string{"hcl", "yaml"} {
		var out bytes.Buffer
		write := WriteHCL
		if format == "yaml" {
			write = WriteYAML
		}
		if err := write(&out, blocks); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "main."+format)
		if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if format == "hcl" {
			formatted, diags := Format(file, out.Bytes())
			if diags.HasErrors() {
				t.Fatalf("%s:\n%s\n%s", format, diags.Error(), out.String())
			}
			if diff := cmp.Diff(out.String(), string(formatted)); diff != "" {
				t.Errorf("the HCL is not canonical (-written +formatted):\n%s", diff)
			}
		}
		models = append(models, loadClean(t, dir))
	}
	if diff := cmp.Diff(models[0], models[1], modelOptions); diff != "" {
		t.Errorf("the HCL and YAML written load differently (-hcl +yaml):\n%s", diff)
	}
	if got := models[0].Tenants[0].Domains[0].Mailboxes[0].Password; got == nil || got.Ref != "MAILFORM_INFO" {
		t.Errorf("the password reference reads back as %+v", got)
	}
}
