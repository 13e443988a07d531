package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/reconcile/check"
)

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "ask every authoritative server whether it serves each domain's mail DNS",
		UsageText: `mailform check [options] [DIR]

For every domain and alias domain of the config, finds its authoritative
servers (its NS set, looked up through the platform's dns_resolver, or the
authoritative_servers the config pins) and asks each one directly for every
mail record: MX (as the domain's branding wants it), SPF, DMARC, DKIM, the
ownership record, the client SRV records, the PEC MX (following a
delegated cert.<domain> to its own servers), and the zone's SOA serial.
Each is reported per server as present, missing, different, or, for a
server whose serial is behind the others, stale.

Where a domain's branding has clients use mail.<domain> and
webmail.<domain> (or the reseller's mail. and webmail. names), it also
connects to each of them on the platform's ports, as a client does, and
reports whether the certificate served is valid for that name: trusted,
current and issued for it. A certificate ending within 14 days is
reported as expiring. Nothing is written.

Exit status: 0 when every server serves everything, 1 otherwise.

Examples:
   mailform check .
   mailform check --domain acme.example --domain shop.example .
   mailform check --json . > dns-check.json`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
			&cli.StringSliceFlag{Name: "domain", Usage: "check only `DOMAIN` (repeatable)"},
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
			live, err := s.mailState(c)
			if err != nil {
				return err
			}
			reports, err := check.DNS(c.Context, s.cfg, live, c.StringSlice("domain"))
			if err != nil {
				return cli.Exit(err.Error(), exitError)
			}
			bad := 0
			for _, r := range reports {
				if !r.OK() {
					bad++
				}
			}
			w := c.App.Writer
			if c.Bool("json") {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				if err := enc.Encode(map[string]any{"ok": bad == 0, "domains": reports}); err != nil {
					return err
				}
			} else {
				writeCheck(w, reports, bad)
			}
			if bad > 0 {
				return cli.Exit("", exitError)
			}
			return nil
		},
	}
}

// writeCheck prints a report a reseller can paste into a ticket: each
// domain's servers, then every problem, one per line, naming the server.
func writeCheck(w interface{ Write([]byte) (int, error) }, reports []*check.Report, bad int) {
	fmt.Fprintf(w, "Mail DNS of %s, asked of each authoritative server:\n", plural(len(reports), "%d domain", "%d domains"))
	for _, r := range reports {
		fmt.Fprintf(w, "\n%s", r.Domain)
		if r.Err != "" {
			fmt.Fprintf(w, ": cannot find its servers: %s\n", r.Err)
			continue
		}
		fmt.Fprintf(w, " (servers %s)", strings.Join(r.Servers, ", "))
		var problems []*check.ServerResult
		records := 0
		for _, x := range r.Results {
			if x.Type != "SOA" {
				records++
			}
			if x.State != check.StatePresent {
				problems = append(problems, x)
			}
		}
		var tlsProblems []*check.TLSResult
		for _, x := range r.TLS {
			if x.State != check.TLSValid {
				tlsProblems = append(tlsProblems, x)
			}
		}
		if len(problems)+len(tlsProblems) == 0 {
			fmt.Fprintf(w, ": OK, every server serves all %d rrset checks", records)
			if len(r.TLS) > 0 {
				fmt.Fprintf(w, "; %s", plural(len(r.TLS), "the certificate is valid on %d endpoint", "certificates are valid on all %d endpoints"))
			}
			fmt.Fprintln(w)
			continue
		}
		fmt.Fprintf(w, ": %s\n", plural(len(problems)+len(tlsProblems), "%d problem", "%d problems"))
		for _, x := range problems {
			fmt.Fprintf(w, "  %-8s %s %s %s", strings.ToUpper(x.State), x.Server, x.Name, x.Type)
			if x.Purpose != "" {
				fmt.Fprintf(w, " (%s)", x.Purpose)
			}
			switch {
			case x.Detail != "":
				fmt.Fprintf(w, ": %s", x.Detail)
			case x.State == check.StateDifferent:
				fmt.Fprintf(w, ": serves %s; want %s", quoteAll(x.Got), quoteAll(x.Want))
			case x.State == check.StateMissing && len(x.Want) > 0:
				fmt.Fprintf(w, ": want %s", quoteAll(x.Want))
			}
			fmt.Fprintln(w)
		}
		for _, x := range tlsProblems {
			fmt.Fprintf(w, "  %-8s %s:%d (%s", strings.ToUpper(x.State), x.Host, x.Port, x.Service)
			if x.Address != "" {
				fmt.Fprintf(w, " at %s", x.Address)
			}
			fmt.Fprintf(w, "): %s\n", x.Detail)
		}
	}
	if bad == 0 {
		fmt.Fprintln(w, "\nAll domains OK.")
	} else {
		fmt.Fprintf(w, "\n%s of %d with problems.\n", plural(bad, "%d domain", "%d domains"), len(reports))
	}
}

func quoteAll(vals []string) string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(out, ", ")
}
