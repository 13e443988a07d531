//go:build faultinject

package fault

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// Point acts when MAILFORM_FAULT names it: "NAME" kills the process with
// SIGKILL there, "NAME:sleep=DURATION" pauses it there.
func Point(name string) {
	spec, ok := strings.CutPrefix(os.Getenv("MAILFORM_FAULT"), name)
	if !ok || (spec != "" && spec[0] != ':') {
		return
	}
	if d, ok := strings.CutPrefix(spec, ":sleep="); ok {
		pause, err := time.ParseDuration(d)
		if err == nil {
			fmt.Fprintf(os.Stderr, "fault: pausing %s at %s\n", pause, name)
			time.Sleep(pause)
			return
		}
	}
	fmt.Fprintf(os.Stderr, "fault: killed at %s\n", name)
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}
