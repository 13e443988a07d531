package main

import (
	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/reconcile/plan"
)

func showCommand() *cli.Command {
	return &cli.Command{
		Name:  "show",
		Usage: "show a saved plan",
		UsageText: `mailform show [--json | --markdown] PLANFILE

Shows a plan saved by mailform plan --out, after checking that the file was
not altered. Nothing is read from the backends or the zones.

Examples:
   mailform show plan.json
   mailform show --markdown plan.json > comment.md`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the plan as JSON"},
			&cli.BoolFlag{Name: "markdown", Usage: "print the plan as Markdown"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cli.Exit("expected one PLANFILE argument; see --help", exitError)
			}
			body, err := plan.ReadFile(c.Args().First())
			if err != nil {
				return cli.Exit(err.Error(), exitError)
			}
			return showPlan(c, body.Plan)
		},
	}
}
