package main

import (
	"fmt"
	"io"
	"os"
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
			if w := c.Int("write-mb"); w > 0 {
				if err := writePages(c.App.Writer, c.String("dir"), w, c.Int("mb")); err != nil {
					return err
				}
			}
			return syscall.Munmap(mem)
		},
	}
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
