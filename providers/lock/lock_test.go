package lock

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFileLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	ctx := context.Background()
	unlock, err := File(ctx, path, "backend main", "first holder", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = File(ctx, path, "backend main", "second", 0)
	var held *HeldError
	if !errors.As(err, &held) || held.Holder != "first holder" || !errors.Is(err, ErrHeld) {
		t.Fatalf("second lock: %v", err)
	}
	if !strings.Contains(err.Error(), "backend main is locked by first holder") {
		t.Errorf("message: %v", err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		unlock()
	}()
	start := time.Now()
	unlock2, err := File(ctx, path, "backend main", "second", 5*time.Second)
	if err != nil {
		t.Fatalf("waiting lock: %v", err)
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Error("did not wait for the first holder")
	}
	unlock2()
}
