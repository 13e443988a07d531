package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestWritePagesLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := writePages(&out, dir, 2, 1); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasPrefix(got, "2 MB written in 4 KB pages, holding 1 MB: ") || !strings.HasSuffix(got, " ms per MB\n") {
		t.Errorf("output %q", got)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("left in %s: %v (%v)", dir, entries, err)
	}
	if err := writePages(&out, dir+"/missing", 1, 1); err == nil {
		t.Error("a missing directory gave no error")
	}
}
