// Command mailform is mail hosting as code: it validates, formats, plans and
// applies a reseller's mail configuration. This package holds flags, views
// and exit codes only; the work is done in schema, reconcile and the
// providers, and no other package imports this one.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
)

// Exit codes.
const exitChanges = 2 // plan --detailed-exitcode: the plan has changes

func main() {
	stop := startProfiles()
	code := run(os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	app.Reader = stdin
	if err := app.Run(args); err != nil {
		var coder cli.ExitCoder
		if errors.As(err, &coder) {
			if msg := err.Error(); msg != "" {
				fmt.Fprintln(stderr, "mailform:", msg)
			}
			return coder.ExitCode()
		}
		fmt.Fprintln(stderr, "mailform:", err)
		return exitError
	}
	return exitOK
}

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:  "mailform",
		Usage: "mail hosting as code: tenants, domains, mailboxes and their DNS, planned and applied",
		Description: `A config is a directory of *.hcl, *.yaml and *.yml files, merged into one.

Start with:
   mailform validate examples/quickstart/hcl
   mailform plan examples/quickstart/hcl
   mailform apply examples/quickstart/hcl`,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		Commands: []*cli.Command{
			versionCommand(),
			validateCommand(),
			fmtCommand(),
			planCommand(),
			applyCommand(),
			showCommand(),
			checkCommand(),
			settingsCommand(),
			recordsCommand(),
			purgeCommand(),
			importCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
}
