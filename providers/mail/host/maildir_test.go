package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		rel string
		err string
	}{
		{rel: "a.example/info/"},
		{rel: "a.example/store%2FMaildir/"},
		{rel: "a.example/shop@2/"},
		{rel: "a.example/info", err: "ending in /"},
		{rel: "/etc/", err: "ending in /"},
		{rel: "a.example/", err: "inside a domain"},
		{rel: "a.example/../../etc/", err: "empty, . or .."},
		{rel: "a.example//info/", err: "empty, . or .."},
		{rel: "a.example/./", err: "empty, . or .."},
		{rel: "", err: "ending in /"},
	} {
		err := Check(tc.rel)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.rel, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one saying %q", tc.rel, err, tc.err)
		}
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool { _, err := os.Lstat(path); return err == nil }

func TestRemove(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a.example/shop/Maildir/cur/1"), "hello")
	write(t, filepath.Join(root, "a.example/shop/Maildir/new/2"), "world!")
	write(t, filepath.Join(root, "a.example/info/Maildir/cur/1"), "kept")
	write(t, filepath.Join(root, "b.example/only/Maildir/cur/1"), "x")

	st, err := Stat(root, "a.example/shop/")
	if err != nil || st.Files != 2 || st.Bytes != 11 || st.Missing {
		t.Fatalf("Stat: %+v, %v", st, err)
	}
	if !exists(filepath.Join(root, "a.example/shop")) {
		t.Fatal("Stat removed something")
	}
	r, err := Remove(root, "a.example/shop/")
	if err != nil || r.Files != 2 || r.Bytes != 11 || r.Path != filepath.Join(root, "a.example/shop") {
		t.Fatalf("Remove: %+v, %v", r, err)
	}
	if exists(filepath.Join(root, "a.example/shop")) || !exists(filepath.Join(root, "a.example/info/Maildir/cur/1")) {
		t.Error("Remove removed the wrong things")
	}
	// The last mailbox of a domain takes the domain's empty directory.
	if _, err := Remove(root, "b.example/only/"); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(root, "b.example")) || !exists(root) {
		t.Error("the empty domain directory was kept, or the root went")
	}
	// Gone already: a purge cut short runs again.
	r, err = Remove(root, "a.example/shop/")
	if err != nil || !r.Missing {
		t.Errorf("removing again: %+v, %v", r, err)
	}
	r, err = Remove(root, "c.example/none/")
	if err != nil || !r.Missing {
		t.Errorf("removing under a missing domain: %+v, %v", r, err)
	}
}

func TestRemoveRefusesSymlinks(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	write(t, filepath.Join(outside, "info/precious"), "x")
	if err := os.Symlink(outside, filepath.Join(root, "a.example")); err != nil {
		t.Fatal(err)
	}
	if _, err := Remove(root, "a.example/info/"); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("removing through a symlinked domain: %v", err)
	}
	write(t, filepath.Join(root, "b.example/keep"), "x")
	if err := os.Symlink(filepath.Join(outside, "info"), filepath.Join(root, "b.example/info")); err != nil {
		t.Fatal(err)
	}
	if _, err := Remove(root, "b.example/info/"); err == nil {
		t.Error("a symlinked mail directory was followed")
	}
	if !exists(filepath.Join(outside, "info/precious")) {
		t.Fatal("a file outside the root was removed")
	}
	if _, err := Remove("relative/root", "a.example/info/"); err == nil {
		t.Error("a relative root was accepted")
	}
	// A root that is itself a link is fine.
	link := filepath.Join(t.TempDir(), "vmail")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, "c.example/x/f"), "x")
	if r, err := Remove(link, "c.example/x/"); err != nil || r.Files != 1 {
		t.Errorf("through a linked root: %+v, %v", r, err)
	}
}
