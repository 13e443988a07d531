package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

// startProfiles writes a CPU profile to $MAILFORM_CPUPROFILE and, at the
// end, a heap profile to $MAILFORM_MEMPROFILE (or, with
// $MAILFORM_MEMPROFILE_AT naming a phase, when that phase ends); with
// $MAILFORM_TIMINGS set, it says at the end how long each phase took, its
// CPU time and the heap after it. They are for docs/performance.md's
// measurements. It returns the function that ends them.
func startProfiles() func() {
	var stops []func()
	if os.Getenv("MAILFORM_TIMINGS") != "" {
		phases.start = time.Now()
		phases.last = phases.start
		phases.lastCPU = cpuTimes()
		stops = append(stops, func() {
			phase("end")
			fmt.Fprintf(os.Stderr, "mailform: timings: %s; total %.2fs\n", strings.Join(phases.done, ", "), time.Since(phases.start).Seconds())
		})
	}
	if path := os.Getenv("MAILFORM_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mailform: cpu profile:", err)
		} else if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "mailform: cpu profile:", err)
			f.Close()
		} else {
			stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
		}
	}
	if os.Getenv("MAILFORM_MEMPROFILE") != "" && os.Getenv("MAILFORM_MEMPROFILE_AT") == "" {
		stops = append(stops, writeHeapProfile)
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}
}

// writeHeapProfile writes the heap profile to $MAILFORM_MEMPROFILE, after
// a collection, so that its in-use figures are what is live.
func writeHeapProfile() {
	f, err := os.Create(os.Getenv("MAILFORM_MEMPROFILE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "mailform: heap profile:", err)
		return
	}
	defer f.Close()
	runtime.GC()
	pprof.Lookup("allocs").WriteTo(f, 0)
}

// phases are the phases timed for $MAILFORM_TIMINGS.
var phases struct {
	start, last time.Time // zero: not timed
	lastCPU     [2]time.Duration
	done        []string
}

// phase ends a timed phase: the time since the last one ended, the
// process's user and system CPU time in it, and the heap in use.
func phase(name string) {
	if name == os.Getenv("MAILFORM_MEMPROFILE_AT") && os.Getenv("MAILFORM_MEMPROFILE") != "" {
		writeHeapProfile()
	}
	if phases.start.IsZero() {
		return
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	now, cpu := time.Now(), cpuTimes()
	phases.done = append(phases.done, fmt.Sprintf("%s %.2fs (user %.2fs, sys %.2fs, heap %d MB)", name, now.Sub(phases.last).Seconds(),
		(cpu[0]-phases.lastCPU[0]).Seconds(), (cpu[1]-phases.lastCPU[1]).Seconds(), m.HeapAlloc>>20))
	phases.last, phases.lastCPU = now, cpu
}

// cpuTimes is the user and system CPU time the process has used.
func cpuTimes() [2]time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return [2]time.Duration{}
	}
	return [2]time.Duration{time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())}
}
