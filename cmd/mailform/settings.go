package main

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/reconcile"
	"github.com/mailform/mailform/schema"
)

// domainArgs reads [DIR] DOMAIN.
func domainArgs(c *cli.Context) (dir, domain string, err error) {
	switch c.NArg() {
	case 1:
		return ".", c.Args().Get(0), nil
	case 2:
		return c.Args().Get(0), c.Args().Get(1), nil
	}
	return "", "", cli.Exit("expected [DIR] DOMAIN; see --help", exitError)
}

func settingsCommand() *cli.Command {
	return &cli.Command{
		Name:  "settings",
		Usage: "show what a customer sets in a mail client for a domain",
		UsageText: `mailform settings [--json] [DIR] DOMAIN

Prints the mail client settings of DOMAIN (or of the real domain behind an
alias domain) in its branding mode: username, servers, ports, security,
webmail. Only the config is read.

Examples:
   mailform settings examples/reseller/hcl rossi-costruzioni.example
   mailform settings --json . acme.it`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print the settings as JSON"}},
		Action: func(c *cli.Context) error {
			dir, domain, err := domainArgs(c)
			if err != nil {
				return err
			}
			cfg, srcs, _, diags := schema.Load(dir)
			if err := printDiagnostics(c.App.ErrWriter, diags, srcs, dir); err != nil {
				return err
			}
			s, err := reconcile.Settings(cfg, domain)
			if err != nil {
				return cli.Exit(err.Error(), exitError)
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			_, err = fmt.Fprint(c.App.Writer, s.Text())
			return err
		},
	}
}

func recordsCommand() *cli.Command {
	return &cli.Command{
		Name:  "records",
		Usage: "print the mail DNS records of a domain, in zone-file syntax",
		UsageText: `mailform records [DIR] DOMAIN

Prints every DNS record mail needs for DOMAIN (a real or an alias domain):
MX, the mail host, SPF, DMARC, DKIM, the ownership record, the client SRV
records, autoconfig, the PEC MX and the config's explicit records. The DKIM
key is read from the backend; before the first apply it shows as a
placeholder. Use it to publish the records of a zone mailform does not
manage.

Examples:
   mailform records examples/quickstart/hcl acme.example
   mailform records . costruzioni-città.example`,
		Action: func(c *cli.Context) error {
			dir, domain, err := domainArgs(c)
			if err != nil {
				return err
			}
			s, err := openSession(c, dir)
			if err != nil {
				return err
			}
			defer s.Close()
			live, err := s.mailState(c)
			if err != nil {
				return err
			}
			dd, err := reconcile.DomainRecords(s.cfg, live, domain)
			if err != nil {
				return cli.Exit(err.Error(), exitError)
			}
			where := "its zone is not managed by mailform"
			if dd.Provider != "" {
				where = "managed in dns_provider " + dd.Provider
			}
			fmt.Fprintf(c.App.Writer, "; Mail records of %s (%s)\n", dd.Display, where)
			for _, l := range reconcile.RecordLines(dd) {
				fmt.Fprintln(c.App.Writer, l)
			}
			return nil
		},
	}
}
