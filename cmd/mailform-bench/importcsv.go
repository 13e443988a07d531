package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/internal/testenv"
)

func importCSVCommand() *cli.Command {
	return &cli.Command{
		Name:  "import-csv",
		Usage: "time mailform import csv on a panel's export of N domains",
		UsageText: `mailform-bench import-csv --domains N [--mailform PATH] [--repeat R]

Writes a panel's CSV export of N domains (10 accounts and 2 aliases each,
every password a SHA512-CRYPT hash, as panels export them; one alias
domain for every tenth domain) and times mailform import csv on it, as a
process of its own, repeat times: the median seconds and the highest peak
memory. The result is checked: mailform validate passes on it.`,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "domains", Usage: "number of domains", Required: true},
			&cli.StringFlag{Name: "mailform", Usage: "the mailform binary to measure (default: built from this module)"},
			&cli.IntFlag{Name: "repeat", Value: 3, Usage: "runs; the median time is given"},
		},
		Action: func(c *cli.Context) error {
			bin := c.String("mailform")
			if bin == "" {
				var err error
				if bin, err = testenv.BuildMailform(); err != nil {
					return err
				}
				defer os.RemoveAll(filepath.Dir(bin))
			}
			dir, err := os.MkdirTemp("", "mailform-bench-import-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			n := c.Int("domains")
			if err := writePanelExport(dir, n); err != nil {
				return err
			}
			var secs []float64
			var rss float64
			for i := range max(1, c.Int("repeat")) {
				out := filepath.Join(dir, fmt.Sprintf("config-%d", i))
				b := &bench{build: build{path: bin}, dir: dir}
				s, m, err := b.timed("import-csv", 0, "import", "csv", "--domains", "domains.csv", "--alias-domains", "alias-domains.csv",
					"--accounts", "accounts.csv", "--aliases", "aliases.csv", "--platform", "platform.hcl", "--out", out)
				if err != nil {
					return err
				}
				if err := b.check(0, "validate", out); err != nil {
					return err
				}
				secs, rss = append(secs, s), max(rss, m)
				fmt.Fprintf(c.App.ErrWriter, "# import-csv run %d: %.2f s, %.0f MB\n", i+1, s, m)
			}
			slices.Sort(secs)
			fmt.Fprintf(c.App.Writer, "# %d domains, %d accounts, %d aliases, %d alias domains\nstep seconds peak_rss_mb\nimport-csv %.2f %.0f\n",
				n, 10*n, 2*n, n/10, secs[len(secs)/2], rss)
			return nil
		},
	}
}

// writePanelExport writes a panel's CSV export of n domains into dir,
// and a platform file.
func writePanelExport(dir string, n int) error {
	const hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
	files := map[string]func(w *bufio.Writer){
		"domains.csv": func(w *bufio.Writer) {
			for i := range n {
				fmt.Fprintf(w, "d%d.example;%s\r\n", i, hash)
			}
		},
		"alias-domains.csv": func(w *bufio.Writer) {
			for i := 0; i < n; i += 10 {
				fmt.Fprintf(w, "a%d.example;d%d.example\r\n", i, i)
			}
		},
		"accounts.csv": func(w *bufio.Writer) {
			for i := range n {
				for j := range 10 {
					fmt.Fprintf(w, "user%d@d%d.example;%s\r\n", j, i, hash)
				}
			}
		},
		"aliases.csv": func(w *bufio.Writer) {
			for i := range n {
				fmt.Fprintf(w, "sales@d%d.example;user0@d%d.example,user1@d%d.example\r\n", i, i, i)
				fmt.Fprintf(w, "team@d%d.example;user2@d%d.example,boss@example.org\r\n", i, i)
			}
		},
		"platform.hcl": func(w *bufio.Writer) {
			w.WriteString("platform {\n  mail_host       = \"mail.example.net\"\n  webmail_url     = \"https://webmail.example.net\"\n  verification_ip = \"192.0.2.16\"\n\n  mx \"mx1.example.net\" {\n    priority = 10\n  }\n}\n")
		},
	}
	for name, write := range files {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := bufio.NewWriter(f)
		write(w)
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
