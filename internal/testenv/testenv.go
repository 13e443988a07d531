// Package testenv finds the real tools and servers tests run against. A
// test whose tool is missing fails under CI=true and is skipped, saying so,
// elsewhere: it never passes without having run.
package testenv

import (
	"os"
	"os/exec"
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
