package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/providers/lock"
	"github.com/mailform/mailform/reconcile"
	"github.com/mailform/mailform/reconcile/plan"
	"github.com/mailform/mailform/reconcile/render"
)

func applyCommand() *cli.Command {
	return &cli.Command{
		Name:  "apply",
		Usage: "make the changes a plan shows",
		UsageText: `mailform apply [options] [DIR | PLANFILE]

Takes the apply lock, plans as mailform plan does, shows the plan and asks
before writing anything (answer yes; without a terminal, pass
--auto-approve). Backends are written first, each in one transaction, then
each zone in one update. Apply stops at the first failure and says what was
written and what was not; running it again carries on from there.

With a PLANFILE saved by plan --out it applies exactly that plan, without
asking, and refuses when the file was altered, the config changed, or the
live state moved since the plan was made.

A new domain or alias domain is written pending until its ownership record
d<9 digits>.<domain> answers on every authoritative server (its NS set, or
the authoritative_servers the config pins): apply publishes the record,
waits for it up to --proof-timeout, then activates the domain and creates
its mailboxes. A domain whose DNS is not managed is looked at once; until
its owner publishes the record it stays pending, and a later apply
activates it.

A plan that deletes a mailbox, domain or tenant needs --allow-destroy; one
that updates or deletes more than a zone's threshold (30% of a zone of at
least 10 records, unless configured) needs --force.

Examples:
   mailform apply examples/quickstart/hcl
   mailform apply --auto-approve .                 (in CI, on merge)
   mailform plan --out plan.json . && mailform apply plan.json`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "auto-approve", Usage: "apply without asking"},
			&cli.BoolFlag{Name: "allow-destroy", Usage: "allow deleting mailboxes, domains and tenants"},
			&cli.BoolFlag{Name: "force", Usage: "allow changes above a zone's safety threshold"},
			&cli.DurationFlag{Name: "lock-timeout", Usage: "wait up to `DURATION` for another apply to finish (default: fail at once)"},
			&cli.StringSliceFlag{Name: "target", Usage: "apply only the changes at or under `ADDR` (repeatable)"},
			&cli.DurationFlag{Name: "proof-timeout", Value: 2 * time.Minute, Usage: "wait up to `DURATION` for every authoritative server to answer a new domain's ownership record"},
			concurrencyFlag,
		},
		Action: runApply,
	}
}

// runApply plans (a saved plan: plans again and compares), shows the
// plan, checks it against --allow-destroy and --force, asks, applies and
// reports.
func runApply(c *cli.Context) error {
	arg, err := dirArg(c)
	if err != nil {
		return err
	}
	saved, dir, err := savedPlan(arg)
	if err != nil {
		return err
	}
	s, err := openSession(c, dir)
	if err != nil {
		return err
	}
	defer s.Close()
	unlock, err := s.provs.Lock(c.Context, lock.Holder("mailform apply"), c.Duration("lock-timeout"))
	if err != nil {
		if errors.Is(err, lock.ErrHeld) {
			return cli.Exit(err.Error()+"\n  Wait for that apply to finish, or pass --lock-timeout to wait for it.", exitError)
		}
		return cli.Exit(err.Error(), exitError)
	}
	defer unlock()
	p, err := planToApply(c, s, arg, saved)
	if err != nil {
		return err
	}
	out := c.App.Writer
	if p.Empty() {
		fmt.Fprintln(out, "No changes. The backends and zones match the config.")
		return nil
	}
	if err := render.Text(out, p, render.Options{Color: colorFor(out)}); err != nil {
		return err
	}
	phase("render")
	if err := p.Check(c.Bool("allow-destroy"), c.Bool("force")); err != nil {
		return cli.Exit("\nApply refused: nothing was changed.\n"+err.Error(), exitError)
	}
	if saved == nil && !c.Bool("auto-approve") {
		if err := confirm(c); err != nil {
			return err
		}
	}
	s.provs.Concurrency = c.Int("concurrency")
	s.provs.Prover = &reconcile.Prover{Timeout: c.Duration("proof-timeout"), Interval: 2 * time.Second, Progress: proofProgress(c)}
	res := reconcile.Apply(c.Context, p, s.provs, progress(c))
	phase("zones and the rest")
	return report(c, res)
}

// savedPlan reads the plan file arg names, and gives the config directory
// it was made from; arg that is not a file is the config directory.
func savedPlan(arg string) (*plan.Body, string, error) {
	st, err := os.Stat(arg)
	if err != nil || !st.Mode().IsRegular() {
		return nil, arg, nil
	}
	saved, err := plan.ReadFileToApply(arg)
	if err != nil {
		return nil, "", cli.Exit(err.Error(), exitError)
	}
	return saved, saved.ConfigDir, nil
}

// planToApply makes the plan to apply: with a saved plan, its targets,
// and the plan made now must be the one saved.
func planToApply(c *cli.Context, s *session, arg string, saved *plan.Body) (*plan.Plan, error) {
	targets := c.StringSlice("target")
	if saved != nil {
		targets = saved.Targets
	}
	p, err := s.plan(c.Context, c, targets, saved != nil)
	if err != nil {
		return nil, err
	}
	if saved != nil {
		if err := checkSaved(saved, p); err != nil {
			return nil, cli.Exit(fmt.Sprintf("%s: %v", arg, err), exitError)
		}
	}
	return p, nil
}

// checkSaved refuses a saved plan that no longer holds.
func checkSaved(saved *plan.Body, now *plan.Plan) error {
	switch {
	case saved.Plan.ConfigChecksum != now.ConfigChecksum:
		return fmt.Errorf("%w: plan again", plan.ErrConfigMoved)
	case saved.Plan.LiveFingerprint != now.LiveFingerprint:
		return fmt.Errorf("%w (someone or something wrote to a backend or a zone): plan again", plan.ErrLiveMoved)
	case !saved.Plan.SameAs(now):
		return fmt.Errorf("%w: plan again", plan.ErrDiffers)
	}
	return nil
}

// confirm asks on a terminal; without one it refuses.
func confirm(c *cli.Context) error {
	if !isTerminal(c.App.Reader) {
		return cli.Exit("\nApply refused: standard input is not a terminal, so nobody can confirm. Review the plan and pass --auto-approve, or apply a saved plan file.", exitError)
	}
	fmt.Fprint(c.App.Writer, "\nApply these changes? Only 'yes' is accepted: ")
	line, _ := bufio.NewReader(c.App.Reader).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return cli.Exit("Apply cancelled: nothing was changed.", exitError)
	}
	return nil
}

// progress reports each step as it starts and ends: on a terminal, on one
// line that is rewritten; in a log, a line per finished step.
func progress(c *cli.Context) func(reconcile.Step) {
	w := c.App.Writer
	tty := isTerminal(w)
	fmt.Fprintln(w)
	return func(s reconcile.Step) {
		if s.Check {
			switch {
			case !s.Done:
				fmt.Fprintf(w, "%s: checking…\n", s.What)
			case s.Err != nil:
				fmt.Fprintf(w, "%s: failed\n", s.What)
			default:
				fmt.Fprintf(w, "%s: done\n", s.What)
			}
			return
		}
		if s.Done && strings.HasPrefix(s.What, "backend ") {
			phase(s.What)
		}
		n := plural(len(s.Changes), "%d change", "%d changes")
		switch {
		case !s.Done && tty:
			fmt.Fprintf(w, "\r\x1b[K%s: writing %s…", s.What, n)
		case !s.Done:
		case s.Err != nil:
			fmt.Fprintf(w, "\r%s: failed\n", s.What)
		case tty:
			fmt.Fprintf(w, "\r\x1b[K%s: %s written\n", s.What, n)
		default:
			fmt.Fprintf(w, "%s: %s written\n", s.What, n)
		}
	}
}

// proofProgress says, while apply waits for an ownership record, which
// servers do not answer it yet.
func proofProgress(c *cli.Context) func(reconcile.ProofResult) {
	w := c.App.Writer
	last := map[string]string{}
	return func(r reconcile.ProofResult) {
		line := strings.Join(r.Missing, "; ")
		if last[r.Proof.Record] == line {
			return // said already
		}
		last[r.Proof.Record] = line
		fmt.Fprintf(w, "  waiting for %s: %s\n", r.Proof.Record, line)
	}
}

// report says what an apply did.
func report(c *cli.Context, res *reconcile.Result) error {
	w := c.App.Writer
	count := func(cs []*plan.Change) (add, change, destroy int) {
		for _, ch := range cs {
			switch ch.Action {
			case plan.Create:
				add++
			case plan.Delete:
				destroy++
			default:
				change++
			}
		}
		return
	}
	if res.Err == nil {
		a, ch, d := count(res.Applied)
		fmt.Fprintf(w, "\nApply complete: %d added, %d changed, %d destroyed.\n", a, ch, d)
		if len(res.Proofs) > 0 {
			fmt.Fprintf(w, "\nWaiting for records their owners publish (%s waiting):\n", plural(len(res.Pending), "%d change", "%d changes"))
			for _, r := range res.Proofs {
				fmt.Fprintf(w, "  %s: its owner must publish\n      %s\n    now: %s\n", r.Proof.Domain, r.Proof.Record, strings.Join(r.Missing, "; "))
			}
			fmt.Fprintln(w, "A domain stays pending, without mailboxes, until its ownership record answers, and a new DKIM key signs only once its record does (the key before signs on); apply again once the records are published.")
		}
		return nil
	}
	fmt.Fprintf(w, "\nApply failed: %v\n", res.Err)
	list := func(title string, cs []*plan.Change) {
		if len(cs) == 0 {
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, ch := range cs {
			fmt.Fprintf(w, "  %c %s\n", ch.Action, ch.Address)
		}
	}
	list("Applied", res.Applied)
	list("Not applied (the failed step did not write these)", res.Failed)
	list("Not applied (not tried)", res.Skipped)
	fmt.Fprintln(w, "Fix the cause and run apply again: it carries on from what was written.")
	return cli.Exit("", exitError)
}
