package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/schema"
)

func fmtCommand() *cli.Command {
	return &cli.Command{
		Name:  "fmt",
		Usage: "rewrite config files in canonical form",
		UsageText: `mailform fmt [--check] [DIR]

Rewrites every *.hcl, *.yaml and *.yml file of DIR (default: the current
directory) in canonical form and lists the files it changed: HCL as
hclwrite writes it, YAML with keys in a stable order, two-space indentation
and comments kept. With --check it changes nothing, lists the files that
would change, and exits 1 if there are any (for CI).

Examples:
   mailform fmt examples/reseller/yaml
   mailform fmt --check .`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "check", Usage: "change nothing; list the files that are not canonical and exit 1 if any"},
		},
		Action: func(c *cli.Context) error {
			dir, err := dirArg(c)
			if err != nil {
				return err
			}
			files, err := schema.ConfigFiles(dir)
			if err != nil {
				return cli.Exit(err.Error(), exitError)
			}
			var diags hcl.Diagnostics
			srcs := schema.Sources{}
			changed := 0
			for _, f := range files {
				if st, err := os.Lstat(f); err == nil && st.Mode()&os.ModeSymlink != 0 {
					// Rewritten, the link would become a file of its own.
					fmt.Fprintf(c.App.ErrWriter, "%s: a link, left as it is: format the file it points to\n", f)
					continue
				}
				src, err := schema.ReadConfigFile(dir, f)
				if err != nil {
					return cli.Exit(fmt.Sprintf("%s: %v", f, err), exitError)
				}
				srcs[f] = src
				out, d := schema.Format(f, src)
				diags = append(diags, d...)
				if d.HasErrors() || bytes.Equal(out, src) {
					continue
				}
				changed++
				if !c.Bool("check") {
					if err := writeFile(f, out); err != nil {
						return cli.Exit(err.Error(), exitError)
					}
				}
				fmt.Fprintln(c.App.Writer, f)
			}
			if diags.HasErrors() {
				schema.WriteDiagnostics(c.App.ErrWriter, diags, srcs, colorFor(c.App.ErrWriter))
				return cli.Exit("some files could not be formatted", exitError)
			}
			if c.Bool("check") && changed > 0 {
				return cli.Exit(fmt.Sprintf("%s not in canonical form; run mailform fmt %s", plural(changed, "%d file", "%d files"), dir), exitError)
			}
			return nil
		},
	}
}

// writeFile replaces a file's content, keeping its permissions.
func writeFile(path string, data []byte) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp := path + ".mailform-fmt"
	if err := os.WriteFile(tmp, data, st.Mode().Perm()); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
