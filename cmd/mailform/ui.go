package main

import (
	"io"
	"os"

	"github.com/urfave/cli/v2"
)

// dirArg is the optional DIR argument, "." when absent.
func dirArg(c *cli.Context) (string, error) {
	switch c.NArg() {
	case 0:
		return ".", nil
	case 1:
		return c.Args().First(), nil
	}
	return "", cli.Exit("expected at most one DIR argument; see --help", exitError)
}

// colorFor tells whether to colour output to w: only on a terminal, and
// never when NO_COLOR is set (https://no-color.org).
func colorFor(w io.Writer) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	return isTerminal(w)
}
