package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/reconcile/plan"
	"github.com/mailform/mailform/reconcile/render"
)

func planCommand() *cli.Command {
	return &cli.Command{
		Name:  "plan",
		Usage: "show what apply would change in the backends and the zones",
		UsageText: `mailform plan [options] [DIR]

Reads the mail backends and the zones the config in DIR (default: the
current directory) uses, compares them with the config, and shows what
apply would change. Nothing is written, except the plan file with --out.

Exit codes: 0 success; 1 error; with --detailed-exitcode, 0 no changes,
1 error, 2 changes.

Examples:
   mailform plan examples/quickstart/hcl
   mailform plan --out plan.json --detailed-exitcode .
   mailform plan --markdown . > plan.md          (a pull-request comment)
   mailform plan --target tenant.acme/domain.acme.it/mailbox.info .`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "save the plan to `FILE`, for mailform apply FILE"},
			&cli.BoolFlag{Name: "detailed-exitcode", Usage: "exit 2 when the plan has changes, 0 when it has none"},
			&cli.BoolFlag{Name: "json", Usage: "print the plan as JSON (docs/plan-json.md)"},
			&cli.BoolFlag{Name: "markdown", Usage: "print the plan as Markdown for a pull-request comment, in parts separated by " + render.PartBreak + " past 65,000 characters"},
			&cli.StringSliceFlag{Name: "target", Usage: "plan only the changes at or under `ADDR` (repeatable)"},
			concurrencyFlag,
		},
		Action: func(c *cli.Context) error {
			dir, err := dirArg(c)
			if err != nil {
				return err
			}
			s, err := openSession(c, dir)
			if err != nil {
				return err
			}
			defer s.Close()
			p, err := s.plan(c.Context, c, c.StringSlice("target"), c.Bool("json") || c.String("out") != "")
			if err != nil {
				return err
			}
			if out := c.String("out"); out != "" {
				body := plan.Body{Version: mailformVersion(), Created: time.Now().UTC().Truncate(time.Second), ConfigDir: dir, Targets: c.StringSlice("target"), Plan: p}
				if err := plan.WriteFile(out, body); err != nil {
					return cli.Exit(err.Error(), exitError)
				}
			}
			if err := showPlan(c, p); err != nil {
				return err
			}
			if out := c.String("out"); out != "" && !c.Bool("json") && !c.Bool("markdown") {
				fmt.Fprintf(c.App.Writer, "\nSaved the plan to %s; mailform apply %s applies exactly this plan.\n", out, out)
			}
			if c.Bool("detailed-exitcode") && !p.Empty() {
				return cli.Exit("", exitChanges)
			}
			return nil
		},
	}
}

// showPlan prints a plan as the flags ask.
func showPlan(c *cli.Context, p *plan.Plan) error {
	switch {
	case c.Bool("json"):
		return render.JSON(c.App.Writer, p, mailformVersion())
	case c.Bool("markdown"):
		_, err := fmt.Fprint(c.App.Writer, strings.Join(render.Markdown(p, render.MaxComment), "\n"+render.PartBreak+"\n"))
		return err
	}
	return render.Text(c.App.Writer, p, render.Options{Color: colorFor(c.App.Writer)})
}
