// Package lock is the apply lock: one apply at a time per backend or zone
// directory, and a clear answer saying who holds it. It only locks: what
// runs under the lock is the caller's.
package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Locker is a provider that can keep a second apply out while one runs.
type Locker interface {
	// Lock takes the lock for holder, waiting up to wait for it. When
	// another holds it past that, the error is a *HeldError naming them.
	Lock(ctx context.Context, holder string, wait time.Duration) (unlock func() error, err error)
}

// HeldError says who holds a lock.
type HeldError struct {
	Resource string // what is locked
	Holder   string // who holds it, as they described themselves
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("%s is locked by %s", e.Resource, e.Holder)
}

// ErrHeld matches every *HeldError with errors.Is.
var ErrHeld = errors.New("lock held")

// Is makes errors.Is(err, ErrHeld) true.
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// Holder describes this process for a lock: who, where, since when.
func Holder(what string) string {
	user := os.Getenv("USER")
	if user == "" {
		user = fmt.Sprintf("uid %d", os.Getuid())
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s@%s (pid %d, %s) since %s", user, host, os.Getpid(), what, time.Now().UTC().Format(time.RFC3339))
}

// File takes an advisory lock on path (created if missing) with flock(2),
// which the kernel drops if the process dies, and writes holder into the
// file for whoever finds it taken. It polls until wait has passed.
func File(ctx context.Context, path, resource, holder string, wait time.Duration) (func() error, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	err = Poll(ctx, resource, wait, func() (bool, error) {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("%s: lock %s: %w", resource, path, err)
		}
		return true, nil
	}, func() string {
		b, _ := os.ReadFile(path)
		return string(b)
	})
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(holder+"\n"), 0)
	}
	return func() error {
		f.Truncate(0)
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return f.Close()
	}, nil
}

// Poll calls try until it takes the lock, for up to wait. When the lock is
// still taken then, the error is a *HeldError naming who holds it.
func Poll(ctx context.Context, resource string, wait time.Duration, try func() (bool, error), holder func() string) error {
	deadline := time.Now().Add(wait)
	for {
		got, err := try()
		if err != nil || got {
			return err
		}
		if !time.Now().Before(deadline) {
			who := strings.TrimSpace(holder())
			if who == "" {
				who = "another process"
			}
			return &HeldError{Resource: resource, Holder: who}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(200*time.Millisecond, time.Until(deadline)+time.Millisecond)):
		}
	}
}
