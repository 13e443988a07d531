// Package schema is the mailform configuration language: the model of what a
// reseller sells (platform, reseller, tenants, domains, mailboxes, aliases,
// relay users and the DNS providers and mail backends they live on), the HCL
// and YAML loaders that both yield that one model, validation with source
// positions, the canonical formatter behind `mailform fmt`, and the JSON
// Schema of the YAML form.
//
// Every node of the model keeps the source range it came from, so that a
// diagnostic, whichever syntax it comes from, reads file:line:col.
//
// The package reads configuration files (and the logo files they name) and
// nothing else: it never talks to a mail backend or a DNS server, and never
// resolves a secret reference unless the caller hands it the means to.
package schema

//go:generate go run ./internal/genschema -schema mailform.schema.json -reference ../docs/configuration.md
