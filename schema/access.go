package schema

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// The largest files a config may make mailform read.
const (
	MaxConfigFile = 64 << 20 // a config file
	MaxLogoFile   = 1 << 20  // a logo
	MaxSecretFile = 64 << 10 // a file() secret
)

// The variables of the process environment that set the access policy of
// a run. Whoever runs mailform sets them (a CI job, outside the
// repository); a config can narrow nothing they allow and widen nothing
// they refuse.
const (
	// A comma-separated list of the variable names env() may read, with
	// * as a wildcard; it replaces the platform's allow_env.
	EnvAllowEnv = "MAILFORM_ALLOW_ENV"
	// A list of directories, separated by colons, that file() and logo may
	// read besides the config directory, and that config files may lie
	// in; it replaces the platform's allow_files_from.
	EnvAllowFilesFrom = "MAILFORM_ALLOW_FILES_FROM"
	// When "true", every network endpoint of a backend or DNS provider
	// (url, server, dsn) must be an env() reference, so that a change to
	// the config cannot send credentials anywhere else.
	EnvPinEndpoints = "MAILFORM_PIN_ENDPOINTS"
)

// DefaultAllowEnv is what env() may always read: mailform's own variables.
const DefaultAllowEnv = "MAILFORM_*"

// Access is what a config may read beyond its own files: the variables
// env() may read, and the directories file(), logo and the config files
// themselves must lie in once symbolic links are followed. A config is
// untrusted input (CI plans every pull request), so nothing it names may
// reach past these.
type Access struct {
	Dir       string   // the config directory, as given
	root      string   // its real path
	Env       []string // patterns of variable names env() may read besides MAILFORM_*
	FileRoots []string // real paths of further directories files may lie in
	// PinEndpoints: the run wants every endpoint of a provider from the
	// environment (MAILFORM_PIN_ENDPOINTS).
	PinEndpoints bool

	envByRun, filesByRun bool // the run's environment set the lists
}

// policy is the access policy of a run, from its environment: nil lists
// leave the platform's.
type policy struct {
	env, roots []string
	pin        bool
}

// runPolicy reads the access policy the process environment sets.
func runPolicy() policy {
	var p policy
	if v, ok := os.LookupEnv(EnvAllowEnv); ok {
		p.env = splitList(v, ",")
		if p.env == nil {
			p.env = []string{} // set, and empty: mailform's own variables only
		}
	}
	if v, ok := os.LookupEnv(EnvAllowFilesFrom); ok {
		p.roots = splitList(v, ":")
		if p.roots == nil {
			p.roots = []string{}
		}
	}
	p.pin = os.Getenv(EnvPinEndpoints) == "true"
	return p
}

func splitList(v, sep string) []string {
	var out []string
	for _, s := range strings.Split(v, sep) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// newAccess makes the access of a config directory from the patterns and
// roots allowed, the config directory's own access always included.
func newAccess(dir string, env, roots []string) Access {
	a := Access{Dir: dir, root: realPath(dir), Env: env}
	for _, r := range roots {
		if !filepath.IsAbs(r) {
			r = filepath.Join(dir, r)
		}
		a.FileRoots = append(a.FileRoots, realPath(r))
	}
	return a
}

// realPath is a path with its symbolic links followed, as far as they
// exist, made absolute.
func realPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}

// EnvAllowed reports whether env() may read the variable name.
func (a Access) EnvAllowed(name string) bool {
	for _, p := range append([]string{DefaultAllowEnv}, a.Env...) {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// allowedEnv lists in words what env() may read.
func (a Access) allowedEnv() string {
	return strings.Join(append([]string{DefaultAllowEnv}, a.Env...), ", ")
}

// ErrOutside is a path that leads out of the directories a config may
// read.
var ErrOutside = errors.New("outside the directories the config may read")

// ErrNotRegular is a path to something other than a regular file: a
// directory, a device, a FIFO or a socket.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is a file over the size mailform reads for its purpose.
var ErrTooLarge = errors.New("larger than mailform reads")

// Locate resolves a path a config names (relative to the config
// directory), following symbolic links, and returns its real path when it
// lies in the config directory or an allowed root. A path that does not
// exist yet is judged by where it would be.
func (a Access) Locate(p string) (string, error) {
	if !filepath.IsAbs(p) {
		p = filepath.Join(a.Dir, p)
	}
	real := realPath(p)
	for _, root := range append([]string{a.root}, a.FileRoots...) {
		if real == root || strings.HasPrefix(real, root+string(filepath.Separator)) {
			return real, nil
		}
	}
	return "", ErrOutside
}

// Read reads a file a config names, at most limit bytes: it must lie in
// the config directory or an allowed root once links are followed, and be
// a regular file. It never blocks on a FIFO or reads a device.
func (a Access) Read(p string, limit int64) ([]byte, error) {
	real, err := a.Locate(p)
	if err != nil {
		return nil, err
	}
	return readRegular(real, limit)
}

// readRegular reads a regular file of at most limit bytes. It opens
// without blocking (a FIFO would wait for a writer) and checks what it
// opened, not what the name pointed to a moment before.
func readRegular(p string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, ErrNotRegular
	}
	if st.Size() > limit {
		return nil, ErrTooLarge
	}
	// Read into a buffer of the file's size, as os.ReadFile does, and a
	// byte more, to see whether it grew while read.
	b := make([]byte, 0, st.Size()+1)
	for {
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		switch {
		case int64(len(b)) > limit:
			return nil, ErrTooLarge
		case err == io.EOF:
			return b, nil
		case err != nil:
			return nil, err
		case len(b) == cap(b):
			b = append(b, 0)[:len(b)]
		}
	}
}

// readProblem says in words why a file could not be read, without its
// content.
func readProblem(err error, limit int64) string {
	switch {
	case errors.Is(err, ErrOutside):
		return "it lies outside the config directory and the directories allow_files_from names"
	case errors.Is(err, ErrNotRegular):
		return "it is not a regular file"
	case errors.Is(err, ErrTooLarge):
		return fmt.Sprintf("it is larger than %s", byteSize(limit))
	case errors.Is(err, fs.ErrNotExist):
		return "it does not exist"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return "it cannot be read"
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
