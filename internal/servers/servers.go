// Package servers starts the real servers that tests run against —
// PostgreSQL, Dovecot, Postfix, BIND, Knot and PowerDNS — on 127.0.0.1 with ports of their own,
// each under a temporary directory, and stops them by PID when the tests
// end. A server whose program is missing fails the test under CI=true and
// skips it elsewhere (see testenv).
//
// It is for tests only: product code never imports it (internal/layout
// checks), and nothing it starts listens beyond 127.0.0.1.
//
// A test package that uses it stops what it started in TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(servers.Main(m)) }
package servers

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailform/mailform/internal/testenv"
)

var (
	mu    sync.Mutex
	stops []func()
)

// Main runs the tests, then stops every server they started.
func Main(m *testing.M) int {
	NoResolver()
	code := m.Run()
	StopAll()
	return code
}

// StopAll stops every server started, the last first.
func StopAll() {
	mu.Lock()
	defer mu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	stops = nil
}

func onStop(f func()) {
	mu.Lock()
	stops = append(stops, f)
	mu.Unlock()
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitPort waits until 127.0.0.1:port accepts connections.
func WaitPort(port int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on 127.0.0.1:%d after %s", port, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// needRoot fails the test under CI, or skips it, when the process cannot
// start a server that switches users (Dovecot, Postfix).
func needRoot(t testing.TB, what string) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if testenv.CI() {
		t.Fatalf("%s must be started as root (it switches to its own users); CI runs as root", what)
	}
	t.Skipf("%s needs root to start; under CI=true this is a failure", what)
}

// ExamplesDir is the directory of the shipped server configuration.
func ExamplesDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "examples", "servers")
}

// credential runs a command as the named system user when this process is
// root, and as itself otherwise.
func credential(name string) (*syscall.SysProcAttr, int, int, error) {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() != 0 {
		return attr, os.Getuid(), os.Getgid(), nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, 0, 0, err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	attr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return attr, uid, gid, nil
}

// run runs a command to its end and returns its output in the error.
func run(cmd *exec.Cmd) error {
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", filepath.Base(cmd.Path), err, out)
	}
	return nil
}

// startLogged starts a server with its output in logPath. Unless cmd
// says otherwise, the server gets SIGTERM if the tests die first.
func startLogged(cmd *exec.Cmd, logPath string) error {
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = log, log
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	}
	return cmd.Start()
}

// stopProcess signals a server and waits for it, killing it after limit.
func stopProcess(cmd *exec.Cmd, sig syscall.Signal, limit time.Duration) {
	if cmd.Process == nil {
		return
	}
	cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
	}
}
