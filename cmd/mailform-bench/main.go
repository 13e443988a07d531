// Command mailform-bench generates a synthetic reseller and measures
// mailform on it: each step runs the real mailform binary as its own
// process, so that start-up and peak memory are what a user sees. It is a
// tool, not part of the product: it reaches mailform only through its
// binary, and nothing imports it.
//
//	go run ./cmd/mailform-bench gen --domains 10000 --out /tmp/reseller
//	go run ./cmd/mailform-bench run --domains 10000
//	go run ./cmd/mailform-bench run --domains 10000,50000
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/internal/synth"
)

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "mailform-bench:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	return &cli.App{
		Name:  "mailform-bench",
		Usage: "generate a synthetic reseller and measure mailform on it",
		Commands: []*cli.Command{
			genCommand(),
			runCommand(),
			importCSVCommand(),
		},
	}
}

// specFlags are the generator's flags, with domains the flag that gives
// the number of domains.
func specFlags(domains cli.Flag) []cli.Flag {
	return []cli.Flag{
		domains,
		&cli.IntFlag{Name: "mailboxes-per-domain", Value: 10, Usage: "mailboxes of each domain"},
		&cli.IntFlag{Name: "aliases-per-domain", Value: 2, Usage: "aliases of each domain"},
		&cli.StringFlag{Name: "format", Value: "hcl", Usage: "hcl or yaml"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "the same seed gives the same files"},
	}
}

func specOf(c *cli.Context) synth.Spec {
	return synth.Spec{Domains: c.Int("domains"), Mailboxes: c.Int("mailboxes-per-domain"), Aliases: c.Int("aliases-per-domain"),
		Format: c.String("format"), Seed: c.Uint64("seed")}
}

func genCommand() *cli.Command {
	return &cli.Command{
		Name:  "gen",
		Usage: "write a synthetic reseller's config and zone files",
		UsageText: `mailform-bench gen --domains N [--mailboxes-per-domain M] [--aliases-per-domain A] [--format hcl|yaml] [--seed S] --out DIR

Writes a reseller with N domains into DIR: tenants of 1 to 500 domains,
all three branding modes, alias domains (some IDN), catch-alls, forwards,
autoresponders, pre-hashed passwords, and a zone file per domain holding a
customer's other records (website, site verification, CAA, ACME). The DNS
provider is zone files under DIR/zones and the backend the embedded SQLite,
so "mailform apply DIR" needs no server. The same seed writes the same
files.`,
		Flags: append(specFlags(&cli.IntFlag{Name: "domains", Usage: "number of domains", Required: true}), &cli.StringFlag{Name: "out", Usage: "directory to write (must not exist or be empty)", Required: true}),
		Action: func(c *cli.Context) error {
			out := c.String("out")
			if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
				return fmt.Errorf("%s is not empty", out)
			}
			n, err := synth.Generate(out, specOf(c))
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "wrote %s: %d tenants, %d domains, %d alias domains, %d mailboxes, %d aliases\n",
				out, n.Tenants, n.Domains, n.AliasDomains, n.Mailboxes, n.Aliases)
			return nil
		},
	}
}
