package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mailform/mailform/internal/synth"
	"github.com/mailform/mailform/internal/testenv"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "generate a reseller, then time each step of the real mailform binary on it",
		UsageText: `mailform-bench run --domains N [--mailboxes-per-domain M] [--aliases-per-domain A] [--format hcl|yaml] [--mailform PATH] [--dir DIR]

Generates a reseller as gen does, then runs mailform on it, each step as a
process of its own, and prints one line per step: its name, its wall-clock
seconds and its peak resident memory in MB.

  load+validate      mailform validate
  apply-from-empty   mailform apply into an empty backend and the zones
  noop-plan          mailform plan with nothing to change
  plan-one-change    plan after one mailbox's display name changed (checked:
                     the plan names exactly that mailbox)
  plan-1pct-change   plan after 1 % of the mailboxes changed (checked: the
                     plan has exactly those changes)
  apply-1pct-change  apply of that change (checked: the next plan is empty)

With --dnscontrol, DNSControl plans the same zones in the same run, after
the apply from empty and beside mailform's no-op plan: a project whose
dnsconfig.js holds exactly what the zones hold, read by its BIND (zone-file)
provider from the same files.

  dnscontrol-preview  dnscontrol preview (checked: it finds nothing to change)

Every step runs --repeat times (default 3): the line gives the median
time and the highest peak memory, and a comment line before it every
run's time. Before each run of an apply but the first, the backend and
the zones are put back as they were before it: generated again for the
apply from empty, copied back for the apply of 1 %.

Without --mailform the binary is built from this module first.`,
		Flags: append(specFlags(),
			&cli.StringFlag{Name: "mailform", Usage: "the mailform binary to measure (default: built from this module)"},
			&cli.StringFlag{Name: "dir", Usage: "where to generate (default: a temporary directory, removed afterwards)"},
			&cli.StringFlag{Name: "dnscontrol", Usage: "also time the dnscontrol binary at `PATH` planning the same zones"},
			&cli.IntFlag{Name: "repeat", Value: 3, Usage: "runs of each step; the median time is given"},
		),
		Action: func(c *cli.Context) error {
			s := specOf(c)
			dir := c.String("dir")
			if dir == "" {
				tmp, err := os.MkdirTemp("", "mailform-bench-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(tmp)
				dir = tmp
			} else if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
				return fmt.Errorf("%s is not empty", dir)
			}
			bin := c.String("mailform")
			if bin == "" {
				var err error
				if bin, err = testenv.BuildMailform(); err != nil {
					return err
				}
				defer os.RemoveAll(filepath.Dir(bin))
			}
			cfg := filepath.Join(dir, "config")
			n, err := synth.Generate(cfg, s)
			if err != nil {
				return err
			}
			w := c.App.Writer
			fmt.Fprintf(w, "# %d domains, %d mailboxes, %d aliases, %d alias domains, %d tenants; %s; %s, %d CPUs\n",
				n.Domains, n.Mailboxes, n.Aliases, n.AliasDomains, n.Tenants, s.Format, runtime.Version(), runtime.NumCPU())
			fmt.Fprintln(w, "step seconds peak_rss_mb")
			b := &bench{bin: bin, dir: cfg, w: w, repeat: max(1, c.Int("repeat"))}
			if err := b.step("load+validate", 0, b.repeat, "validate", cfg); err != nil {
				return err
			}
			// Before each run of the apply but the first, the backend and
			// the zones are as the generator left them again.
			b.reset = func() error {
				for _, d := range []string{".mailform", "zones"} {
					if err := os.RemoveAll(filepath.Join(cfg, d)); err != nil {
						return err
					}
				}
				_, err := synth.Generate(cfg, s)
				return err
			}
			if err := b.step("apply-from-empty", 0, b.repeat, "apply", "--auto-approve", cfg); err != nil {
				return err
			}
			b.reset = nil
			if err := b.step("noop-plan", 0, b.repeat, "plan", "--detailed-exitcode", cfg); err != nil {
				return err
			}
			if peer := c.String("dnscontrol"); peer != "" {
				if err := b.dnscontrol(peer, filepath.Join(dir, "dnscontrol")); err != nil {
					return err
				}
			}
			// One mailbox changed.
			one := s
			one.ChangeOne, one.NoZones = true, true
			n1, err := synth.Generate(cfg, one)
			if err != nil {
				return err
			}
			if err := b.step("plan-one-change", 2, b.repeat, "plan", "--detailed-exitcode", cfg); err != nil {
				return err
			}
			if err := b.expect("Plan: 0 to add, 1 to change, 0 to destroy.", `~ mailbox "`+n1.ChangedAddress+`"`); err != nil {
				return err
			}
			// 1 % of the mailboxes changed.
			pct := s
			pct.ChangeEvery, pct.NoZones = 100, true
			n2, err := synth.Generate(cfg, pct)
			if err != nil {
				return err
			}
			if err := b.step("plan-1pct-change", 2, b.repeat, "plan", "--detailed-exitcode", cfg); err != nil {
				return err
			}
			if err := b.expect(fmt.Sprintf("Plan: 0 to add, %d to change, 0 to destroy.", n2.Changed)); err != nil {
				return err
			}
			// Before each run of the apply but the first, the backend and
			// the zones are as they were before it again.
			states := []string{".mailform", "zones"}
			if err := snapshot(cfg, filepath.Join(dir, "before-1pct"), states); err != nil {
				return err
			}
			b.reset = func() error { return snapshot(filepath.Join(dir, "before-1pct"), cfg, states) }
			if err := b.step("apply-1pct-change", 0, b.repeat, "apply", "--auto-approve", cfg); err != nil {
				return err
			}
			b.reset = nil
			if err := b.expect(fmt.Sprintf("Apply complete: 0 added, %d changed, 0 destroyed.", n2.Changed)); err != nil {
				return err
			}
			return b.check(0, "plan", "--detailed-exitcode", cfg)
		},
	}
}

// snapshot copies the directories names of from into to, replacing them.
func snapshot(from, to string, names []string) error {
	for _, name := range names {
		if err := os.RemoveAll(filepath.Join(to, name)); err != nil {
			return err
		}
		if err := os.CopyFS(filepath.Join(to, name), os.DirFS(filepath.Join(from, name))); err != nil {
			return err
		}
	}
	return nil
}

type bench struct {
	bin, dir string
	w        io.Writer
	repeat   int          // runs of each step
	reset    func() error // between two runs of a step: puts back what the step changed
	last     string       // the last step's output
}

// step runs mailform with args, runs times, checks its exit code and
// prints the step's line: the median time, for a machine's speed wanders
// from one run to the next by a tenth or more, and the highest peak
// memory. With several runs, a comment line before it lists each run's
// time.
func (b *bench) step(name string, wantCode, runs int, args ...string) error {
	var secs []float64
	var rss float64
	for i := range runs {
		if i > 0 && b.reset != nil {
			if err := b.reset(); err != nil {
				return err
			}
		}
		// The files the step before wrote (the generator's, an apply's
		// database and zones, a reset's copies) are written back before
		// the clock starts, so that neither the writeback nor the wait
		// for it counts as this step's time: at 50,000 domains that is
		// over 1 GB.
		syscall.Sync()
		start := time.Now()
		code, r, err := b.run(args...)
		elapsed := time.Since(start).Seconds()
		if err != nil {
			return err
		}
		if code != wantCode {
			return fmt.Errorf("%s: mailform %s exited %d, want %d:\n%s", name, strings.Join(args, " "), code, wantCode, tail(b.last))
		}
		secs, rss = append(secs, elapsed), max(rss, r)
	}
	if runs > 1 {
		each := make([]string, len(secs))
		for i, s := range secs {
			each[i] = fmt.Sprintf("%.2f", s)
		}
		fmt.Fprintf(b.w, "# %s runs: %s\n", name, strings.Join(each, " "))
	}
	slices.Sort(secs)
	fmt.Fprintf(b.w, "%s %.2f %.0f\n", name, secs[len(secs)/2], rss)
	return nil
}

// dnscontrol times DNSControl's preview of the zones, as they are after
// the apply, from a project written into dir.
func (b *bench) dnscontrol(bin, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := writeDNSControl(filepath.Join(b.dir, "zones"), dir); err != nil {
		return err
	}
	peer := &bench{bin: bin, dir: dir, w: b.w}
	err := peer.step("dnscontrol-preview", 0, 1, "preview", "--config", filepath.Join(dir, "dnsconfig.js"), "--creds", filepath.Join(dir, "creds.json"))
	if err == nil && !strings.Contains(peer.last, "Done. 0 corrections.") {
		err = fmt.Errorf("dnscontrol finds changes in the zones mailform applied:\n%s", tail(peer.last))
	}
	return err
}

// check runs mailform with args, untimed, and checks its exit code.
func (b *bench) check(wantCode int, args ...string) error {
	code, _, err := b.run(args...)
	if err == nil && code != wantCode {
		err = fmt.Errorf("mailform %s exited %d, want %d:\n%s", strings.Join(args, " "), code, wantCode, tail(b.last))
	}
	return err
}

func (b *bench) run(args ...string) (code int, rssMB float64, err error) {
	var out cappedOutput
	cmd := exec.Command(b.bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	b.last = out.String()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		return 0, 0, err
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rssMB = float64(ru.Maxrss) / 1024 // kilobytes on Linux
	}
	return cmd.ProcessState.ExitCode(), rssMB, nil
}

// cappedOutput keeps a step's output for checks and error messages: all of
// it up to 8 MB, then only its end. An apply from empty at 50,000 domains
// prints 400 MB, and holding all of it took memory and CPU beside the
// step being timed.
type cappedOutput struct {
	head    bytes.Buffer
	tail    []byte
	dropped bool
}

func (o *cappedOutput) Write(p []byte) (int, error) {
	if !o.dropped && o.head.Len()+len(p) <= 8<<20 {
		return o.head.Write(p)
	}
	o.dropped = true
	o.tail = append(o.tail, p...)
	if len(o.tail) > 128<<10 {
		o.tail = append(o.tail[:0], o.tail[len(o.tail)-64<<10:]...)
	}
	return len(p), nil
}

func (o *cappedOutput) String() string {
	if !o.dropped {
		return o.head.String()
	}
	return o.head.String() + "\n…\n" + string(o.tail)
}

// expect checks that the last step's output holds each text.
func (b *bench) expect(texts ...string) error {
	for _, t := range texts {
		if !strings.Contains(b.last, t) {
			return fmt.Errorf("the output lacks %q:\n%s", t, tail(b.last))
		}
	}
	return nil
}

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 40 {
		lines = append([]string{"…"}, lines[len(lines)-40:]...)
	}
	return strings.Join(lines, "\n")
}
