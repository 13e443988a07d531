package main

import (
	"fmt"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
)

// memtouchCommand measures what the machine charges for memory a process
// touches for the first time: it maps fresh anonymous memory, writes one
// byte per page, and says how long each page fault took. On some virtual
// machines the figure grows with the amount touched, which makes a step
// that needs gigabytes cost more than its share; run it beside the
// benchmark to tell that from mailform's own growth.
func memtouchCommand() *cli.Command {
	return &cli.Command{
		Name:  "memtouch",
		Usage: "measure the cost of first-touch page faults for a given amount of memory",
		Flags: []cli.Flag{&cli.IntFlag{Name: "mb", Value: 1024, Usage: "megabytes to touch"}},
		Action: func(c *cli.Context) error {
			n := c.Int("mb") << 20
			if n <= 0 {
				return fmt.Errorf("--mb must be positive")
			}
			var before, after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			start := time.Now()
			mem, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
			if err != nil {
				return err
			}
			page := syscall.Getpagesize()
			for i := 0; i < n; i += page {
				mem[i] = 1
			}
			elapsed := time.Since(start)
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			faults := after.Minflt - before.Minflt
			sys := time.Duration(after.Stime.Nano() - before.Stime.Nano())
			fmt.Fprintf(c.App.Writer, "%d MB touched in %.2f s: %d page faults, %.2f µs each, %.2f s of system time\n",
				c.Int("mb"), elapsed.Seconds(), faults, float64(elapsed.Microseconds())/float64(max(faults, 1)), sys.Seconds())
			return syscall.Munmap(mem)
		},
	}
}
