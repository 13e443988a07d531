package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
)

// memtouchCommand measures what the machine charges for memory a process
// touches for the first time: it maps fresh anonymous memory, writes one
// byte per page, and says how long each page fault took. On some virtual
// machines the figure grows with the amount touched, which makes a step
// that needs gigabytes cost more than its share; run it beside the
// benchmark to tell that from mailform's own growth. With --write-mb it
// then writes that much to a new file in 4 KB pages, as SQLite writes its
// log and database, while it holds the memory it touched: the kernel's
// page cache costs the same kind of fresh memory.
func memtouchCommand() *cli.Command {
	return &cli.Command{
		Name:  "memtouch",
		Usage: "measure the cost of first-touch page faults for a given amount of memory, and with --write-mb of page-cache writes while it is held",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "mb", Value: 1024, Usage: "megabytes to touch"},
			&cli.IntFlag{Name: "step-mb", Usage: "also time each successive this many megabytes on its own, to show where the price of a page changes"},
			&cli.IntFlag{Name: "write-mb", Usage: "then, holding them, write this many megabytes to a new file in --dir"},
			&cli.StringFlag{Name: "dir", Value: os.TempDir(), Usage: "where --write-mb writes (and removes) its file"},
		},
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
			step := c.Int("step-mb") << 20
			if step <= 0 {
				step = n
			}
			curve := touch(mem, step, syscall.Getpagesize())
			elapsed := time.Since(start)
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			faults := after.Minflt - before.Minflt
			sys := time.Duration(after.Stime.Nano() - before.Stime.Nano())
			fmt.Fprintf(c.App.Writer, "%d MB touched in %.2f s: %d page faults, %.2f µs each, %.2f s of system time\n",
				c.Int("mb"), elapsed.Seconds(), faults, float64(elapsed.Microseconds())/float64(max(faults, 1)), sys.Seconds())
			if len(curve) > 1 {
				fmt.Fprintf(c.App.Writer, "µs per page, each %d MB: %s\n", c.Int("step-mb"), formatCurve(curve))
			}
			if w := c.Int("write-mb"); w > 0 {
				if err := writePages(c.App.Writer, c.String("dir"), w, c.Int("mb")); err != nil {
					return err
				}
			}
			return syscall.Munmap(mem)
		},
	}
}

// touch writes one byte to each page of mem, and gives the time per page
// of each successive step bytes. On a virtual machine that hands memory
// the guest freed back to its host, the first gigabyte or two can be
// cheap and the rest several times dearer: the curve shows where the
// price changes.
func touch(mem []byte, step, page int) []float64 {
	var curve []float64
	for from := 0; from < len(mem); from += step {
		to := min(from+step, len(mem))
		start := time.Now()
		for i := from; i < to; i += page {
			mem[i] = 1
		}
		pages := (to - from + page - 1) / page
		curve = append(curve, float64(time.Since(start).Nanoseconds())/1000/float64(pages))
	}
	return curve
}

// formatCurve writes a curve of touch, one figure per step.
func formatCurve(curve []float64) string {
	parts := make([]string, len(curve))
	for i, us := range curve {
		parts[i] = fmt.Sprintf("%.1f", us)
	}
	return strings.Join(parts, " ")
}

// writePages writes mb megabytes to a new file in dir, a 4 KB page per
// write, and says what each megabyte cost. The file is not synced: what is
// measured is the page cache, not the disk.
func writePages(w io.Writer, dir string, mb, held int) error {
	f, err := os.CreateTemp(dir, "memtouch-*.dat")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	page := make([]byte, 4096)
	start := time.Now()
	for off := int64(0); off < int64(mb)<<20; off += int64(len(page)) {
		if _, err := f.WriteAt(page, off); err != nil {
			return err
		}
	}
	elapsed := time.Since(start)
	fmt.Fprintf(w, "%d MB written in 4 KB pages, holding %d MB: %.2f s, %.2f ms per MB\n",
		mb, held, elapsed.Seconds(), float64(elapsed.Microseconds())/1000/float64(mb))
	return nil
}
