// Package testenv finds the real tools and servers tests run against. A
// test whose tool is missing fails under CI=true and is skipped, saying so,
// elsewhere: it never passes without having run. It is for tests and the
// benchmark tool only.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CI reports whether tests run in CI, where nothing may be skipped.
func CI() bool { return os.Getenv("CI") == "true" }

// Command returns the path of a program the test needs, from the Debian
// package pkg; without it the test fails under CI and is skipped elsewhere.
func Command(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if CI() {
		t.Fatalf("%s is missing under CI=true: install the Debian package %s (scripts/test.sh does)", name, pkg)
	}
	t.Skipf("%s not installed (package %s); under CI=true this is a failure", name, pkg)
	return ""
}

// BuildMailform builds this module's mailform command, with the build
// tags given, into a new temporary directory, and returns the binary's
// path; the caller removes its directory.
func BuildMailform(tags ...string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	dir, err := os.MkdirTemp("", "mailform-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "mailform")
	args := []string{"build", "-o", bin}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	build := exec.Command("go", append(args, "./cmd/mailform")...)
	build.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("go build ./cmd/mailform: %v\n%s", err, out)
	}
	return bin, nil
}
