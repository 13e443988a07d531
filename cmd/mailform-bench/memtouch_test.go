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

func TestTouchCurve(t *testing.T) {
	mem := make([]byte, 10*4096+100)
	curve := touch(mem, 4*4096, 4096)
	if len(curve) != 3 {
		t.Fatalf("curve %v: want 3 steps for 11 pages in steps of 4", curve)
	}
	for i := 0; i < len(mem); i += 4096 {
		if mem[i] != 1 {
			t.Fatalf("page at %d not touched", i)
		}
	}
	if got := formatCurve([]float64{1.64, 10.26}); got != "1.6 10.3" {
		t.Errorf("formatCurve = %q", got)
	}
}
