package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Removed is what a mail directory held.
type Removed struct {
	Path    string // the directory, absolute
	Files   int
	Bytes   int64
	Missing bool // it was not there: nothing to remove
}

// Check says whether rel is a mail directory name the backend may hold:
// relative, clean, at least <domain>/<mailbox>/, with no "." or ".."
// element.
func Check(rel string) error {
	bad := func(why string) error { return fmt.Errorf("mail directory %q %s", rel, why) }
	if !strings.HasSuffix(rel, "/") || strings.HasPrefix(rel, "/") || strings.ContainsAny(rel, "\\\x00") {
		return bad("is not a relative directory path ending in /")
	}
	parts := strings.Split(strings.TrimSuffix(rel, "/"), "/")
	if len(parts) < 2 {
		return bad("is not inside a domain's directory")
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." {
			return bad("has an empty, . or .. element")
		}
	}
	return nil
}

// Stat reports what the mail directory rel under root holds, without
// changing anything.
func Stat(root, rel string) (Removed, error) {
	dir, err := resolve(root, rel)
	if err != nil {
		return Removed{}, err
	}
	r := Removed{Path: dir}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == dir {
				r.Missing = true
				return fs.SkipAll
			}
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			r.Files++
			r.Bytes += info.Size()
		}
		return nil
	})
	return r, err
}

// Remove removes the mail directory rel under root, and its domain's
// directory when that is left empty. A directory already gone is no error:
// a purge cut short is run again.
func Remove(root, rel string) (Removed, error) {
	r, err := Stat(root, rel)
	if err != nil || r.Missing {
		return r, err
	}
	if err := os.RemoveAll(r.Path); err != nil {
		return r, err
	}
	// Empty parents up to the root go too; the first that is not empty
	// (or not removable) stops it.
	rootDir, _ := filepath.EvalSymlinks(root)
	for parent := filepath.Dir(r.Path); parent != rootDir && strings.HasPrefix(parent, rootDir+string(filepath.Separator)); parent = filepath.Dir(parent) {
		if os.Remove(parent) != nil {
			break
		}
	}
	return r, nil
}

// resolve is rel's absolute path under root. Every element below the root
// must be a real directory, not a symbolic link, so that nothing outside
// the root is reached.
func resolve(root, rel string) (string, error) {
	if err := Check(rel); err != nil {
		return "", err
	}
	if !filepath.IsAbs(root) {
		return "", fmt.Errorf("mail root %q is not an absolute path", root)
	}
	base, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("mail root: %w", err)
	}
	path := base
	for _, part := range strings.Split(strings.TrimSuffix(rel, "/"), "/") {
		path = filepath.Join(path, part)
		info, err := os.Lstat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return filepath.Join(base, filepath.FromSlash(rel)), nil
		case err != nil:
			return "", err
		case info.Mode()&fs.ModeSymlink != 0:
			return "", fmt.Errorf("%s is a symbolic link: a mail directory is never removed through one", path)
		case !info.IsDir():
			return "", fmt.Errorf("%s is not a directory", path)
		}
	}
	return path, nil
}
