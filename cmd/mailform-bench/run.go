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
	"strconv"
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
		UsageText: `mailform-bench run --domains N[,N...] [--mailboxes-per-domain M] [--aliases-per-domain A] [--format hcl|yaml] [--mailform PATH | --mailform LABEL=PATH,LABEL=PATH] [--dir DIR]

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

With several sizes (--domains 10000,50000) a reseller is generated for
each, and each run of a step is made at every size in turn before the
next run starts: smallest first, then largest first, and so on. The speed
of a machine wanders by a tenth or more from one minute to the next, and
sizes measured minutes apart give a growth factor that measures that too.
The lines of each size are printed when all are done, one block per size,
smallest first; progress goes to standard error.

With several builds (--mailform before=/tmp/old,after=/tmp/new) each is
measured at each size, in its own directory, the runs of a step taking
turns between all of them as between sizes; a last block compares each
build's medians with the first's (ratio later/first) and gives each
build's growth from one size to the next.

With --dnscontrol, DNSControl plans the same zones in the same run, after
the apply from empty: a project whose dnsconfig.js holds exactly what the
zones hold, read by its BIND (zone-file) provider from the same files.
Each of its --repeat runs is followed at once by each build's no-op plan
of the same size, and each pair gives a ratio; the lines give the median
of each and every ratio with their median.

  dnscontrol-preview      dnscontrol preview (checked: it finds nothing
                          to change)
  noop-plan-beside-peer   mailform plan right after it

Every step runs --repeat times (default 3): the line gives the median
time and the highest peak memory, and a comment line before it every
run's time. Before each run of an apply but the first, the backend and
the zones are put back as they were before it: generated again for the
apply from empty, copied back for the apply of 1 %.

Without --mailform the binary is built from this module first.`,
		Flags: append(specFlags(&cli.StringFlag{Name: "domains", Usage: "number of domains; several, comma-separated, are measured side by side", Required: true}),
			&cli.StringFlag{Name: "mailform", Usage: "the mailform binary to measure (default: built from this module), or several, `LABEL=PATH,LABEL=PATH`, measured side by side"},
			&cli.StringFlag{Name: "dir", Usage: "where to generate (default: a temporary directory, removed afterwards)"},
			&cli.StringFlag{Name: "dnscontrol", Usage: "also time the dnscontrol binary at `PATH` planning the same zones"},
			&cli.StringFlag{Name: "dnscontrol-domains", Usage: "the sizes, comma-separated, at which --dnscontrol runs (default: all)"},
			&cli.IntFlag{Name: "repeat", Value: 3, Usage: "runs of each step; the median time is given"},
		),
		Action: func(c *cli.Context) error {
			sizes, err := parseSizes(c.String("domains"))
			if err != nil {
				return fmt.Errorf("--domains: %w", err)
			}
			slices.Sort(sizes)
			peerSizes := sizes
			if c.IsSet("dnscontrol-domains") {
				if peerSizes, err = parseSizes(c.String("dnscontrol-domains")); err != nil {
					return fmt.Errorf("--dnscontrol-domains: %w", err)
				}
			}
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
			builds, err := parseBuilds(c.String("mailform"))
			if err != nil {
				return fmt.Errorf("--mailform: %w", err)
			}
			if len(builds) == 0 {
				bin, err := testenv.BuildMailform()
				if err != nil {
					return err
				}
				defer os.RemoveAll(filepath.Dir(bin))
				builds = []build{{path: bin}}
			}
			r := &runner{repeat: max(1, c.Int("repeat")), progress: c.App.ErrWriter}
			if r.progress == nil {
				r.progress = os.Stderr
			}
			// Each size's lines are printed at the end, also when a step
			// fails, so that what was measured is not lost.
			defer func() {
				for _, b := range r.benches {
					c.App.Writer.Write(b.out.Bytes())
				}
				if len(builds) > 1 {
					r.compare(c.App.Writer, builds, sizes)
				}
			}()
			for _, n := range sizes {
				for _, bd := range builds {
					s := specOf(c)
					s.Domains = n
					root := filepath.Join(dir, bd.label, strconv.Itoa(n))
					b := &bench{build: bd, root: root, dir: filepath.Join(root, "config"), spec: s, medians: map[string]float64{}}
					counts, err := synth.Generate(b.dir, s)
					if err != nil {
						return err
					}
					fmt.Fprintf(&b.out, "# %d domains, %d mailboxes, %d aliases, %d alias domains, %d tenants; %s; %s, %d CPUs%s\n",
						counts.Domains, counts.Mailboxes, counts.Aliases, counts.AliasDomains, counts.Tenants, s.Format, runtime.Version(), runtime.NumCPU(), bd.title())
					fmt.Fprintln(&b.out, "step seconds peak_rss_mb")
					r.benches = append(r.benches, b)
				}
			}
			if err := r.step("load+validate", 0, "validate", "."); err != nil {
				return err
			}
			// Before each run of the apply but the first, the backend and
			// the zones are as the generator left them again.
			for _, b := range r.benches {
				b.reset = func() error {
					for _, d := range []string{".mailform", "zones"} {
						if err := os.RemoveAll(filepath.Join(b.dir, d)); err != nil {
							return err
						}
					}
					_, err := synth.Generate(b.dir, b.spec)
					return err
				}
			}
			if err := r.step("apply-from-empty", 0, "apply", "--auto-approve", "."); err != nil {
				return err
			}
			for _, b := range r.benches {
				b.reset = nil
			}
			if err := r.step("noop-plan", 0, "plan", "--detailed-exitcode", "."); err != nil {
				return err
			}
			if peer := c.String("dnscontrol"); peer != "" {
				if err := r.peer(peer, peerSizes); err != nil {
					return err
				}
			}
			// One mailbox changed.
			changed := map[*bench]string{}
			err = r.each(func(b *bench) error {
				one := b.spec
				one.ChangeOne, one.NoZones = true, true
				n, err := synth.Generate(b.dir, one)
				changed[b] = n.ChangedAddress
				return err
			})
			if err != nil {
				return err
			}
			if err := r.step("plan-one-change", 2, "plan", "--detailed-exitcode", "."); err != nil {
				return err
			}
			err = r.each(func(b *bench) error {
				return b.expect("Plan: 0 to add, 1 to change, 0 to destroy.", `~ mailbox "`+changed[b]+`"`)
			})
			if err != nil {
				return err
			}
			// 1 % of the mailboxes changed.
			count := map[*bench]int{}
			err = r.each(func(b *bench) error {
				pct := b.spec
				pct.ChangeEvery, pct.NoZones = 100, true
				n, err := synth.Generate(b.dir, pct)
				count[b] = n.Changed
				return err
			})
			if err != nil {
				return err
			}
			if err := r.step("plan-1pct-change", 2, "plan", "--detailed-exitcode", "."); err != nil {
				return err
			}
			err = r.each(func(b *bench) error {
				return b.expect(fmt.Sprintf("Plan: 0 to add, %d to change, 0 to destroy.", count[b]))
			})
			if err != nil {
				return err
			}
			// Before each run of the apply but the first, the backend and
			// the zones are as they were before it again.
			states := []string{".mailform", "zones"}
			err = r.each(func(b *bench) error {
				before := filepath.Join(b.root, "before-1pct")
				b.reset = func() error { return snapshot(before, b.dir, states) }
				return snapshot(b.dir, before, states)
			})
			if err != nil {
				return err
			}
			if err := r.step("apply-1pct-change", 0, "apply", "--auto-approve", "."); err != nil {
				return err
			}
			return r.each(func(b *bench) error {
				b.reset = nil
				if err := b.expect(fmt.Sprintf("Apply complete: 0 added, %d changed, 0 destroyed.", count[b])); err != nil {
					return err
				}
				return b.check(0, "plan", "--detailed-exitcode", ".")
			})
		},
	}
}

// parseSizes reads a comma-separated list of numbers of domains.
func parseSizes(list string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a number of domains: want a positive number, or several separated by commas (10000,50000)", f)
		}
		if slices.Contains(sizes, n) {
			return nil, fmt.Errorf("%d is given twice", n)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
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

// runner measures the steps at each size, the runs of a step at the
// different sizes in turn.
type runner struct {
	benches  []*bench // one per size, smallest first
	repeat   int      // runs of each step
	progress io.Writer
}

// each calls fn for each size in turn, until it fails.
func (r *runner) each(fn func(*bench) error) error {
	for _, b := range r.benches {
		if err := fn(b); err != nil {
			return fmt.Errorf("%d domains: %w", b.spec.Domains, err)
		}
	}
	return nil
}

// runOrder is the order of the sizes in the runs of a step: the smallest
// first in the first run, the largest first in the next, and so on, so
// that no size always runs right after the same other one (a run that has
// just freed 2 GB leaves the next one memory the machine still holds).
func runOrder(sizes, runs int) [][]int {
	order := make([][]int, runs)
	for i := range order {
		for j := range sizes {
			if i%2 == 0 {
				order[i] = append(order[i], j)
			} else {
				order[i] = append(order[i], sizes-1-j)
			}
		}
	}
	return order
}

// step runs mailform with args in each size's config directory, repeat
// times at every size, the sizes taking turns, checks its exit code and
// adds the step's line to each size's lines: the median time, for a
// machine's speed wanders from one run to the next by a tenth or more,
// and the highest peak memory. With several runs, a comment line before
// it lists each run's time.
func (r *runner) step(name string, wantCode int, args ...string) error {
	secs := make([][]float64, len(r.benches))
	rss := make([]float64, len(r.benches))
	for i, order := range runOrder(len(r.benches), r.repeat) {
		for _, j := range order {
			b := r.benches[j]
			if i > 0 && b.reset != nil {
				if err := b.reset(); err != nil {
					return fmt.Errorf("%d domains: %w", b.spec.Domains, err)
				}
			}
			s, m, err := b.timed(name, wantCode, args...)
			if err != nil {
				return fmt.Errorf("%d domains: %w", b.spec.Domains, err)
			}
			secs[j], rss[j] = append(secs[j], s), max(rss[j], m)
			fmt.Fprintf(r.progress, "# %s: %s run %d of %d: %.2f s, %.0f MB\n", b.name(), name, i+1, r.repeat, s, m)
		}
	}
	for j, b := range r.benches {
		b.report(name, secs[j], rss[j])
	}
	return nil
}

// build is a mailform binary to measure, and its label when several are.
type build struct {
	label, path string
}

// title is what a block's first line says of the build.
func (b build) title() string {
	if b.label == "" {
		return ""
	}
	return "; mailform " + b.label
}

// parseBuilds reads --mailform: a path, or LABEL=PATH pairs separated by
// commas.
func parseBuilds(list string) ([]build, error) {
	if list == "" {
		return nil, nil
	}
	if !strings.Contains(list, "=") {
		return []build{{path: list}}, nil
	}
	var out []build
	for _, f := range strings.Split(list, ",") {
		label, path, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok || label == "" || path == "" || strings.ContainsAny(label, "/ ") {
			return nil, fmt.Errorf("%q is not LABEL=PATH (a label without / or spaces, then the binary)", f)
		}
		if slices.ContainsFunc(out, func(b build) bool { return b.label == label }) {
			return nil, fmt.Errorf("%s is given twice", label)
		}
		out = append(out, build{label: label, path: path})
	}
	return out, nil
}

// bench is a build of mailform measured at one size.
type bench struct {
	build
	root string       // the size's directory
	dir  string       // its config, where mailform runs
	spec synth.Spec   // what the generator wrote there
	out  bytes.Buffer // its lines
	// medians are its steps' median seconds, for the comparison of builds.
	medians map[string]float64
	// reset, between two runs of a step, puts back what the step changed.
	reset func() error
	last  string // the last step's output
}

// timed runs mailform with args once, timed, and checks its exit code.
func (b *bench) timed(name string, wantCode int, args ...string) (secs, rssMB float64, err error) {
	// The files the step before wrote (the generator's, an apply's
	// database and zones, a reset's copies) are written back before the
	// clock starts, so that neither the writeback nor the wait for it
	// counts as this step's time: at 50,000 domains that is over 1 GB.
	syscall.Sync()
	start := time.Now()
	code, rssMB, err := b.run(args...)
	secs = time.Since(start).Seconds()
	if err != nil {
		return 0, 0, err
	}
	if code != wantCode {
		return 0, 0, fmt.Errorf("%s: %s %s exited %d, want %d:\n%s", name, filepath.Base(b.path), strings.Join(args, " "), code, wantCode, tail(b.last))
	}
	return secs, rssMB, nil
}

// report adds a step's line to the size's lines: the median of its runs'
// times and their highest peak memory, after a comment line with each
// run's time when there are several.
func (b *bench) report(name string, secs []float64, rssMB float64) {
	if len(secs) > 1 {
		each := make([]string, len(secs))
		for i, s := range secs {
			each[i] = fmt.Sprintf("%.2f", s)
		}
		fmt.Fprintf(&b.out, "# %s runs: %s\n", name, strings.Join(each, " "))
	}
	m := median(secs)
	if b.medians != nil {
		b.medians[name] = m
	}
	fmt.Fprintf(&b.out, "%s %.2f %.0f\n", name, m, rssMB)
}

func median(xs []float64) float64 {
	xs = slices.Sorted(slices.Values(xs))
	return xs[len(xs)/2]
}

// peer times DNSControl's preview of the zones, as they are after the
// apply, at each of sizes, repeat times: each run of it is followed at
// once by every build's no-op plan of that size, and each pair gives a
// ratio. The runs take turns between the sizes as a step's do.
func (r *runner) peer(bin string, sizes []int) error {
	var at []int // the sizes measured, smallest first
	for _, b := range r.benches {
		if slices.Contains(sizes, b.spec.Domains) && !slices.Contains(at, b.spec.Domains) {
			at = append(at, b.spec.Domains)
		}
	}
	type pairs struct {
		peer, mine []float64
		peerRSS    float64
		mineRSS    float64
	}
	runs := map[*bench]*pairs{}
	for i, order := range runOrder(len(at), r.repeat) {
		for _, j := range order {
			var of []*bench
			for _, b := range r.benches {
				if b.spec.Domains == at[j] {
					of = append(of, b)
				}
			}
			dir := filepath.Join(of[0].root, "dnscontrol")
			if i == 0 {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
				if _, err := writeDNSControl(filepath.Join(of[0].dir, "zones"), dir); err != nil {
					return err
				}
			}
			peer := &bench{build: build{path: bin}, dir: dir}
			ps, prss, err := peer.timed("dnscontrol-preview", 0, "preview", "--config", filepath.Join(dir, "dnsconfig.js"), "--creds", filepath.Join(dir, "creds.json"))
			if err != nil {
				return fmt.Errorf("%d domains: %w", at[j], err)
			}
			if !strings.Contains(peer.last, "Done. 0 corrections.") {
				return fmt.Errorf("%d domains: dnscontrol finds changes in the zones mailform applied:\n%s", at[j], tail(peer.last))
			}
			for _, b := range of {
				ms, mrss, err := b.timed("noop-plan-beside-peer", 0, "plan", "--detailed-exitcode", ".")
				if err != nil {
					return fmt.Errorf("%d domains: %w", at[j], err)
				}
				p := runs[b]
				if p == nil {
					p = &pairs{}
					runs[b] = p
				}
				p.peer, p.mine = append(p.peer, ps), append(p.mine, ms)
				p.peerRSS, p.mineRSS = max(p.peerRSS, prss), max(p.mineRSS, mrss)
				fmt.Fprintf(r.progress, "# %s: dnscontrol-preview run %d of %d: %.2f s; mailform plan %.2f s; ratio %.1f\n", b.name(), i+1, r.repeat, ps, ms, ps/ms)
			}
		}
	}
	for _, b := range r.benches {
		p := runs[b]
		if p == nil {
			continue
		}
		b.report("dnscontrol-preview", p.peer, p.peerRSS)
		b.report("noop-plan-beside-peer", p.mine, p.mineRSS)
		ratios := make([]float64, len(p.peer))
		each := make([]string, len(p.peer))
		for i := range p.peer {
			ratios[i] = p.peer[i] / p.mine[i]
			each[i] = fmt.Sprintf("%.1f", ratios[i])
		}
		fmt.Fprintf(&b.out, "# dnscontrol-preview / noop-plan-beside-peer, each pair: %s; median %.1f\n", strings.Join(each, " "), median(ratios))
	}
	return nil
}

// compare writes how each build's medians compare with the first
// build's, size by size (ratio: this build's seconds over the first's),
// and each build's growth from one size to the next.
func (r *runner) compare(w io.Writer, builds []build, sizes []int) {
	byKey := map[string]*bench{}
	var steps []string
	for _, b := range r.benches {
		byKey[b.label+"/"+strconv.Itoa(b.spec.Domains)] = b
	}
	for _, b := range r.benches[:1] {
		for _, line := range strings.Split(b.out.String(), "\n") {
			if f := strings.Fields(line); len(f) == 3 && !strings.HasPrefix(line, "#") && f[0] != "step" {
				steps = append(steps, f[0])
			}
		}
	}
	first := builds[0]
	for _, bd := range builds[1:] {
		fmt.Fprintf(w, "# %s against %s: seconds (median) and the ratio %s/%s\n", bd.label, first.label, bd.label, first.label)
		for _, n := range sizes {
			was, now := byKey[first.label+"/"+strconv.Itoa(n)], byKey[bd.label+"/"+strconv.Itoa(n)]
			for _, st := range steps {
				a, okA := was.medians[st]
				b, okB := now.medians[st]
				if okA && okB && a > 0 {
					fmt.Fprintf(w, "compare %d %s %.2f %.2f %.2f\n", n, st, a, b, b/a)
				}
			}
		}
	}
	for i := 1; i < len(sizes); i++ {
		fmt.Fprintf(w, "# growth from %d to %d domains: the ratio of the medians\n", sizes[i-1], sizes[i])
		for _, bd := range builds {
			small, large := byKey[bd.label+"/"+strconv.Itoa(sizes[i-1])], byKey[bd.label+"/"+strconv.Itoa(sizes[i])]
			for _, st := range steps {
				a, okA := small.medians[st]
				b, okB := large.medians[st]
				if okA && okB && a > 0 {
					fmt.Fprintf(w, "growth %s %s %.1f\n", bd.label, st, b/a)
				}
			}
		}
	}
}

// name is the bench in progress lines: its size, and its build's label.
func (b *bench) name() string {
	if b.label == "" {
		return fmt.Sprintf("%d domains", b.spec.Domains)
	}
	return fmt.Sprintf("%d domains, %s", b.spec.Domains, b.label)
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
	cmd := exec.Command(b.path, args...)
	cmd.Dir = b.dir
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
