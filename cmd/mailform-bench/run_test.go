package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailform/mailform/internal/testenv"
)

func TestRunOrder(t *testing.T) {
	for _, tt := range []struct {
		sizes, runs int
		want        [][]int
	}{
		{1, 3, [][]int{{0}, {0}, {0}}},
		{2, 1, [][]int{{0, 1}}},
		{3, 4, [][]int{{0, 1, 2}, {2, 1, 0}, {0, 1, 2}, {2, 1, 0}}},
	} {
		if diff := cmp.Diff(tt.want, runOrder(tt.sizes, tt.runs)); diff != "" {
			t.Errorf("runOrder(%d, %d) (-want +got):\n%s", tt.sizes, tt.runs, diff)
		}
	}
}

func TestParseSizes(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    []int
		wantErr string
	}{
		{in: "10000", want: []int{10000}},
		{in: "1000, 10000,50000", want: []int{1000, 10000, 50000}},
		{in: "10000,", wantErr: `"" is not a number of domains`},
		{in: "10k", wantErr: `"10k" is not a number of domains`},
		{in: "0", wantErr: `"0" is not a number of domains`},
		{in: "100,100", wantErr: "100 is given twice"},
	} {
		got, err := parseSizes(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseSizes(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseSizes(%q): %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseSizes(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestRunSizesTakeTurns runs the benchmark at two small sizes with the
// real binary: each run of a step is made at both sizes before the next,
// the larger first every other time, and each size gets its block of
// lines, smallest first, with every step and each check passed. The
// peer's preview (a stand-in here) runs only at the size asked for.
func TestRunSizesTakeTurns(t *testing.T) {
	bin := mailformBinary(t)
	peer := filepath.Join(t.TempDir(), "dnscontrol")
	if err := os.WriteFile(peer, []byte("#!/bin/sh\necho 'Done. 0 corrections.'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out, progress bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &progress
	args := []string{"mailform-bench", "run", "--domains", "20,12", "--repeat", "2", "--mailform", bin, "--dir", t.TempDir(),
		"--dnscontrol", peer, "--dnscontrol-domains", "20"}
	if err := app.Run(args); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}

	steps := []string{"load+validate", "apply-from-empty", "noop-plan", "plan-one-change", "plan-1pct-change", "apply-1pct-change"}
	var wantProgress []string
	for _, step := range steps {
		for _, n := range []string{"12", "20", "20", "12"} {
			wantProgress = append(wantProgress, n+" "+step)
		}
	}
	var gotProgress []string
	for _, m := range regexp.MustCompile(`(?m)^# (\d+) domains: (\S+) run \d of 2: [\d.]+ s, \d+ MB$`).FindAllStringSubmatch(progress.String(), -1) {
		gotProgress = append(gotProgress, m[1]+" "+m[2])
	}
	if diff := cmp.Diff(wantProgress, gotProgress); diff != "" {
		t.Errorf("runs (-want +got):\n%s\n%s", diff, progress.String())
	}

	var wantLines, gotLines []string
	for _, n := range []string{"12", "20"} {
		wantLines = append(wantLines, "# "+n+" domains", "step seconds peak_rss_mb")
		for _, step := range steps {
			wantLines = append(wantLines, "# "+step+" runs", step)
			if step == "noop-plan" && n == "20" {
				wantLines = append(wantLines, "# dnscontrol-preview runs", "dnscontrol-preview", "# noop-plan-beside-peer runs", "noop-plan-beside-peer",
					"# dnscontrol-preview / noop-plan-beside-peer, each pair")
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		switch {
		case regexp.MustCompile(`^# \d+ domains, `).MatchString(line):
			line, _, _ = strings.Cut(line, ",")
		case regexp.MustCompile(`^# \S+ runs: [\d.]+ [\d.]+$`).MatchString(line),
			regexp.MustCompile(`^# dnscontrol-preview / noop-plan-beside-peer, each pair: [\d.]+ [\d.]+; median [\d.]+$`).MatchString(line):
			line, _, _ = strings.Cut(line, ":")
		case regexp.MustCompile(`^\S+ [\d.]+ \d+$`).MatchString(line):
			line, _, _ = strings.Cut(line, " ")
		}
		gotLines = append(gotLines, line)
	}
	if diff := cmp.Diff(wantLines, gotLines); diff != "" {
		t.Errorf("output (-want +got):\n%s\n%s", diff, out.String())
	}
}

// Two builds at one size: each is measured in its own directory, and the
// last block compares the second's medians with the first's.
func TestRunComparesBuilds(t *testing.T) {
	bin := mailformBinary(t)
	var out, progress bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &progress
	args := []string{"mailform-bench", "run", "--domains", "12,14", "--repeat", "1", "--mailform", "before=" + bin + ",after=" + bin, "--dir", t.TempDir()}
	if err := app.Run(args); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"; mailform before\n", "; mailform after\n",
		"# after against before: seconds (median) and the ratio after/before\n",
		"\ncompare 12 noop-plan ", "\ncompare 14 apply-1pct-change ",
		"# growth from 12 to 14 domains: the ratio of the medians\n", "\ngrowth before noop-plan ", "\ngrowth after noop-plan ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(progress.String(), "# 14 domains, after: noop-plan run 1 of 1: ") {
		t.Errorf("progress does not name the build:\n%s", progress.String())
	}
}

func TestParseBuilds(t *testing.T) {
	got, err := parseBuilds("old=/tmp/a, new=/tmp/b")
	if diff := cmp.Diff([]build{{"old", "/tmp/a"}, {"new", "/tmp/b"}}, got, cmp.AllowUnexported(build{})); err != nil || diff != "" {
		t.Errorf("(-want +got):\n%s %v", diff, err)
	}
	if got, err := parseBuilds("/tmp/a"); err != nil || len(got) != 1 || got[0].path != "/tmp/a" {
		t.Errorf("a path: %v %v", got, err)
	}
	for _, bad := range []string{"old=/tmp/a,/tmp/b", "old=/tmp/a,old=/tmp/b", "=/tmp/a,new=/tmp/b"} {
		if _, err := parseBuilds(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// import-csv writes a panel's export, imports it with the real binary and
// checks the result.
func TestImportCSVBench(t *testing.T) {
	bin := mailformBinary(t)
	var out, progress bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &progress
	if err := app.Run([]string{"mailform-bench", "import-csv", "--domains", "30", "--repeat", "1", "--mailform", bin}); err != nil {
		t.Fatalf("%v\n%s%s", err, out.String(), progress.String())
	}
	if !regexp.MustCompile(`(?m)^# 30 domains, 300 accounts, 60 aliases, 3 alias domains\nstep seconds peak_rss_mb\nimport-csv [\d.]+ \d+$`).MatchString(out.String()) {
		t.Errorf("output:\n%s", out.String())
	}
}

// mailformBinary builds the mailform binary for a test.
func mailformBinary(t *testing.T) string {
	t.Helper()
	bin, err := testenv.BuildMailform()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(bin)) })
	return bin
}
