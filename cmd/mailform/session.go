package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/mailform/mailform/reconcile"
	"github.com/mailform/mailform/reconcile/plan"
	"github.com/mailform/mailform/schema"
)

// osEnv resolves env() references from the process's environment.
func osEnv() schema.Environment {
	return schema.Environment{LookupEnv: os.LookupEnv}
}

// session is a loaded config with its providers open.
type session struct {
	dir      string
	cfg      *schema.Config
	srcs     schema.Sources // names only: the texts are read again for a diagnostic
	checksum string         // the files' schema.Checksum
	provs    *reconcile.Providers
}

// openSession loads and validates the config in dir and opens its
// providers. Problems are printed with their places; the error only says
// that there were some.
func openSession(c *cli.Context, dir string) (*session, error) {
	cfg, srcs, checksum, diags := schema.Load(dir)
	if err := printDiagnostics(c.App.ErrWriter, diags, srcs, dir); err != nil {
		return nil, err
	}
	provs, err := reconcile.Open(c.Context, cfg, osEnv())
	if err != nil {
		return nil, cli.Exit(err.Error(), exitError)
	}
	phase("load")
	return &session{dir: dir, cfg: cfg, srcs: srcs, checksum: checksum, provs: provs}, nil
}

func (s *session) Close() { s.provs.Close() }

// mailState reads the backends only: the tokens and DKIM keys that a
// domain's records are made from.
func (s *session) mailState(c *cli.Context) (*reconcile.Live, error) {
	live, err := reconcile.Refresh(c.Context, s.cfg, s.provs, reconcile.RefreshOptions{SkipDNS: true})
	if err != nil {
		return nil, cli.Exit(err.Error(), exitError)
	}
	return live, nil
}

// plan makes a plan, printing secret problems at their places. With
// fingerprint, the plan carries the live side's fingerprint (for a saved
// plan and the JSON form).
func (s *session) plan(ctx context.Context, c *cli.Context, targets []string, fingerprint bool) (*plan.Plan, error) {
	cfg := s.cfg
	s.cfg = nil
	p, _, diags, err := reconcile.MakePlan(ctx, cfg, s.checksum, osEnv(), s.provs, reconcile.PlanOptions{
		Targets: targets, Refresh: reconcile.RefreshOptions{Concurrency: c.Int("concurrency")}, Fingerprint: fingerprint})
	phase("plan")
	if derr := printDiagnostics(c.App.ErrWriter, diags, s.srcs, s.dir); derr != nil {
		return nil, derr
	}
	if err != nil {
		return nil, cli.Exit(err.Error(), exitError)
	}
	return p, nil
}

// printDiagnostics prints warnings and errors; with errors it returns an
// exit error that counts them.
func printDiagnostics(w io.Writer, diags hcl.Diagnostics, srcs schema.Sources, dir string) error {
	if len(diags) == 0 {
		return nil
	}
	schema.SortDiagnostics(diags)
	schema.WriteDiagnostics(w, diags, srcs, colorFor(w))
	if errs, warns := schema.Count(diags); errs > 0 {
		return cli.Exit(fmt.Sprintf("%s: %s%s", dir, plural(errs, "%d error", "%d errors"), plural(warns, ", %d warning", ", %d warnings")), exitError)
	}
	return nil
}

// isTerminal reports whether r or w is a terminal (not merely a character
// device such as /dev/null).
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// concurrencyFlag bounds the zones read at once.
var concurrencyFlag = &cli.IntFlag{Name: "concurrency", Value: 8, Usage: "read, and at apply write, at most `N` zones at once"}

var errNotConfirmed = errors.New("apply cancelled")
