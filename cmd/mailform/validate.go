package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/schema"
)

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:  "validate",
		Usage: "check a config directory and report every problem in it",
		UsageText: `mailform validate [--json] [DIR]

Loads every *.hcl, *.yaml and *.yml file of DIR (default: the current
directory) and reports each problem as file:line:col with what would be
right. Exits 0 when the config is valid, 1 otherwise. Nothing is contacted:
secrets are looked up by plan, not here.

Examples:
   mailform validate examples/reseller/hcl
   mailform validate --json . > diagnostics.json`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the diagnostics as JSON on stdout"},
		},
		Action: func(c *cli.Context) error {
			dir, err := dirArg(c)
			if err != nil {
				return err
			}
			cfg, srcs, _, diags := schema.Load(dir)
			schema.SortDiagnostics(diags)
			errs, warns := schema.Count(diags)
			if c.Bool("json") {
				if err := schema.WriteDiagnosticsJSON(c.App.Writer, diags); err != nil {
					return err
				}
			} else {
				if err := schema.WriteDiagnostics(c.App.ErrWriter, diags, srcs, colorFor(c.App.ErrWriter)); err != nil {
					return err
				}
				if errs == 0 {
					fmt.Fprintf(c.App.Writer, "%s is valid: %s%s\n", dir, summary(cfg), plural(warns, ", %d warning", ", %d warnings"))
				}
			}
			if errs > 0 {
				return cli.Exit(fmt.Sprintf("%s: %s%s", dir, plural(errs, "%d error", "%d errors"), plural(warns, ", %d warning", ", %d warnings")), exitError)
			}
			return nil
		},
	}
}

// summary counts what a valid config holds.
func summary(cfg *schema.Config) string {
	var domains, aliasDomains, mailboxes, aliases, relays int
	for _, t := range cfg.Tenants {
		domains += len(t.Domains)
		relays += len(t.RelayUsers)
		for _, d := range t.Domains {
			aliasDomains += len(d.AliasDomains)
			mailboxes += len(d.Mailboxes)
			aliases += len(d.Aliases)
		}
	}
	return fmt.Sprintf("%s, %s, %s, %s, %s, %s",
		plural(len(cfg.Tenants), "%d tenant", "%d tenants"),
		plural(domains, "%d domain", "%d domains"),
		plural(aliasDomains, "%d alias domain", "%d alias domains"),
		plural(mailboxes, "%d mailbox", "%d mailboxes"),
		plural(aliases, "%d alias", "%d aliases"),
		plural(relays, "%d relay user", "%d relay users"))
}

// plural formats n with the singular or the plural form; with a form that
// starts with ", " it says nothing for zero.
func plural(n int, one, many string) string {
	if n == 0 && len(one) > 1 && one[0] == ',' {
		return ""
	}
	if n == 1 {
		return fmt.Sprintf(one, n)
	}
	return fmt.Sprintf(many, n)
}
