package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/providers/source"
	csvsource "github.com/mailform/mailform/providers/source/csv"
	"github.com/mailform/mailform/schema"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "write config from what a reseller already runs",
		Subcommands: []*cli.Command{
			importCSVCommand(),
		},
	}
}

func importCSVCommand() *cli.Command {
	return &cli.Command{
		Name:  "csv",
		Usage: "write config from a hosting panel's CSV export",
		UsageText: `mailform import csv [--domains F] [--alias-domains F] [--accounts F] [--aliases F] [--expert] [--tenant NAME] [--dns NAME] [--format hcl|yaml] [--platform FILE] [--force] --out DIR

Reads the panel's CSV files (any of them; the columns are in
docs/import.md: ; between fields, " around a field that needs it, no
header line, UTF-8 or Windows-1252) and writes one config file per tenant
into DIR. Every problem of every file is reported as file:line:field, and
then nothing is written. Passwords stay as the crypt hashes given; a
password given in clear is written only as its SHA512-CRYPT hash. A
mailbox over its domain's max_mailboxes is imported switched off.

DIR is an existing config directory, whose platform the import is checked
against, or a new one: then --platform names the file holding the
platform block, copied beside the tenants. The result is checked as
validate checks it before anything is written; existing files are never
overwritten without --force.

Examples:
   mailform import csv --domains domains.csv --accounts accounts.csv --out config
   mailform import csv --expert --domains d.csv --alias-domains ad.csv --accounts a.csv --aliases al.csv --tenant acme --platform platform.hcl --out new-config`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "domains", Usage: "the domains `FILE`"},
			&cli.StringFlag{Name: "alias-domains", Usage: "the alias domains `FILE`"},
			&cli.StringFlag{Name: "accounts", Usage: "the accounts (mailboxes) `FILE`"},
			&cli.StringFlag{Name: "aliases", Usage: "the aliases `FILE`"},
			&cli.BoolFlag{Name: "expert", Usage: "the domains and accounts files carry every optional column, even empty"},
			&cli.StringFlag{Name: "tenant", Usage: "put every domain into the tenant `NAME` (default: a tenant per domain)"},
			&cli.StringFlag{Name: "dns", Usage: "manage every domain's zone at the DNS provider `NAME` of the config (default: DNS not managed)"},
			&cli.StringFlag{Name: "format", Value: "hcl", Usage: "write hcl or yaml"},
			&cli.StringFlag{Name: "platform", Usage: "copy `FILE`, holding the platform block, into a new DIR"},
			&cli.StringFlag{Name: "out", Usage: "the config `DIR` to write into", Required: true},
			&cli.BoolFlag{Name: "force", Usage: "overwrite files that exist"},
		},
		Action: func(c *cli.Context) error {
			files := csvsource.Files{Domains: c.String("domains"), AliasDomains: c.String("alias-domains"),
				Accounts: c.String("accounts"), Aliases: c.String("aliases")}
			if files == (csvsource.Files{}) {
				return cli.Exit("import csv: give at least one file: --domains, --alias-domains, --accounts or --aliases", exitError)
			}
			// The platform file, copied beside the tenants.
			platform := source.Files{}
			if p := c.String("platform"); p != "" {
				b, err := os.ReadFile(p)
				if err != nil {
					return cli.Exit(err.Error(), exitError)
				}
				platform["platform"+filepath.Ext(p)] = b
			}
			if t := c.String("tenant"); t != "" {
				if err := schema.CheckTenantName(t); err != nil {
					return cli.Exit("--tenant: "+err.Error(), exitError)
				}
			}
			opt := csvsource.Options{Expert: c.Bool("expert"), Tenant: c.String("tenant"), DNS: c.String("dns")}
			if p := platformOf(c.String("out"), platform); p != nil {
				opt.Quotas, opt.SendLimits = p.Effective.Quotas, p.Effective.SendLimits
			}
			tenants, err := csvsource.Read(files, opt)
			if err != nil {
				fmt.Fprintln(c.App.ErrWriter, err)
				return cli.Exit("\nImport refused: nothing was written.", exitError)
			}
			out, err := source.Render(tenants, c.String("format"))
			if err != nil {
				return cli.Exit(err.Error(), exitError)
			}
			maps.Copy(out, platform)
			return writeImport(c, out, tenants)
		},
	}
}

// platformOf is the platform the import goes onto: the config in dir,
// with the platform file; nil when neither loads.
func platformOf(dir string, platform source.Files) *schema.Platform {
	cfg, _, diags, err := loadWith(dir, platform)
	if err != nil || diags.HasErrors() || cfg == nil {
		return nil
	}
	return cfg.Platform
}

// loadWith loads the config in dir as it would be with files added (or
// put in place of those of the same names), without writing them: paths
// the config names are read from dir.
func loadWith(dir string, files source.Files) (*schema.Config, schema.Sources, hcl.Diagnostics, error) {
	srcs := schema.Sources{}
	existing, _ := schema.ConfigFiles(dir)
	for _, f := range existing {
		b, err := schema.ReadConfigFile(dir, f)
		if err != nil {
			return nil, nil, nil, err
		}
		srcs[f] = b
	}
	for name, b := range files {
		srcs[filepath.Join(dir, name)] = b
	}
	names := make([]string, 0, len(srcs))
	for f := range srcs {
		names = append(names, f)
	}
	slices.Sort(names)
	cfg, diags := schema.LoadSources(dir, names, srcs)
	return cfg, srcs, diags, nil
}

// writeImport checks the files an import writes together with the config
// already in --out, as validate would, and writes them when the whole is
// valid.
func writeImport(c *cli.Context, out source.Files, tenants []*source.Tenant) error {
	dir := c.String("out")
	_, srcs, diags, err := loadWith(dir, out)
	if err != nil {
		return cli.Exit(err.Error(), exitError)
	}
	if len(diags) > 0 {
		schema.SortDiagnostics(diags)
		if err := schema.WriteDiagnostics(c.App.ErrWriter, diags, srcs, false); err != nil {
			return err
		}
	}
	if diags.HasErrors() {
		hint := ""
		if _, err := schema.ConfigFiles(dir); err != nil && c.String("platform") == "" {
			hint = "\n  " + dir + " holds no config yet: name the file that holds the platform block with --platform."
		}
		return cli.Exit("\nImport refused: the config it would make is not valid; nothing was written."+hint, exitError)
	}
	if err := source.WriteFiles(dir, out, c.Bool("force")); err != nil {
		if errors.Is(err, source.ErrExists) {
			return cli.Exit("Import refused: "+err.Error(), exitError)
		}
		return err
	}
	var domains, aliasDomains, mailboxes, off, aliases int
	for _, t := range tenants {
		for _, d := range t.Domains {
			domains++
			aliasDomains += len(d.AliasDomains)
			aliases += len(d.Aliases)
			for _, m := range d.Mailboxes {
				mailboxes++
				if m.Enabled != nil && !*m.Enabled {
					off++
				}
			}
		}
	}
	switchedOff := ""
	if off > 0 {
		switchedOff = fmt.Sprintf(" (%d switched off: over their domain's max_mailboxes)", off)
	}
	fmt.Fprintf(c.App.Writer, "Imported %s, %s, %s, %s%s and %s into %s (%s).\n",
		plural(len(tenants), "%d tenant", "%d tenants"), plural(domains, "%d domain", "%d domains"), plural(aliasDomains, "%d alias domain", "%d alias domains"),
		plural(mailboxes, "%d mailbox", "%d mailboxes"), switchedOff, plural(aliases, "%d alias", "%d aliases"), dir, plural(len(out), "%d file", "%d files"))
	return nil
}
