package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/schema/parallel"
)

// ErrNoConfig is returned when a directory holds no config file.
var ErrNoConfig = errors.New("no *.hcl, *.yaml or *.yml file")

// ConfigFiles lists the config files of a directory: every *.hcl, *.yaml
// and *.yml in it (not below it), sorted by name.
func ConfigFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if syntaxOf(e.Name()) != 0 {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: %w", dir, ErrNoConfig)
	}
	return files, nil
}

func syntaxOf(name string) syntax {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".hcl":
		return syntaxHCL
	case ".yaml", ".yml":
		return syntaxYAML
	}
	return 0
}

// Sources maps each file read to its content, for showing source lines.
type Sources map[string][]byte

// Load reads every config file of dir, merges them, fills in inherited
// values and validates the result. It returns every problem it finds, not
// only the first; the Config is nil only when a file could not be read.
//
// Each file is read, parsed and decoded on its own, and its text let go
// once the checksum has taken it: the texts are a tenth of a large
// config's memory. The Sources returned are the files' names only
// (WriteDiagnostics reads a file again to show its lines), and checksum
// identifies the texts, as Checksum does.
func Load(dir string) (cfg *Config, srcs Sources, checksum string, diags hcl.Diagnostics) {
	files, err := ConfigFiles(dir)
	if err != nil {
		return nil, nil, "", hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  err.Error(),
			Detail:   "Point mailform at a directory that holds the config files, e.g. mailform validate examples/quickstart.",
		}}
	}
	srcs = make(Sources, len(files))
	for _, f := range files {
		srcs[f] = nil
	}
	sum := newChecksummer()
	run := runPolicy()
	read := func(f string) ([]byte, error) { return readConfigFile(dir, f, run.roots) }
	cfg, diags = load(dir, files, read, sum, run)
	return cfg, srcs, sum.String(), diags
}

// ReadConfigFile reads a config file of dir, as ConfigFiles names it: it
// must lie in the directory, or in a directory MAILFORM_ALLOW_FILES_FROM
// names, once links are followed (the platform's allow_files_from is in
// the files, so not known yet), and be a regular file of at most
// MaxConfigFile bytes.
func ReadConfigFile(dir, path string) ([]byte, error) {
	return readConfigFile(dir, path, runPolicy().roots)
}

func readConfigFile(dir, path string, roots []string) ([]byte, error) {
	abs, err := filepath.Abs(path) // the directory's path joined with the name
	if err != nil {
		return nil, err
	}
	return newAccess(dir, nil, roots).Read(abs, MaxConfigFile)
}

// LoadSources is Load on files already read: files in order, their content
// in srcs.
func LoadSources(dir string, files []string, srcs Sources) (*Config, hcl.Diagnostics) {
	return load(dir, files, func(f string) ([]byte, error) { return srcs[f], nil }, nil, policy{})
}

// Checksum identifies a config's content: its files by name, not by where
// the directory is, so that CI jobs in different checkouts agree. A saved
// plan carries it, and apply refuses the plan when the config changed.
func Checksum(srcs Sources) string {
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return filepath.Base(names[i]) < filepath.Base(names[j]) })
	sum := newChecksummer()
	for i, n := range names {
		sum.add(i, n, srcs[n])
	}
	return sum.String()
}

// checksummer is Checksum taking the files as they come from concurrent
// readers: each file's text is hashed in its turn, and kept only while a
// file before it is still being read.
type checksummer struct {
	mu      sync.Mutex
	h       hash.Hash
	next    int // the file to hash next
	waiting map[int]namedText
}

type namedText struct {
	name string
	text []byte
}

func newChecksummer() *checksummer {
	return &checksummer{h: sha256.New(), waiting: map[int]namedText{}}
}

// add takes file i, in the order the checksum covers the files.
func (c *checksummer) add(i int, name string, text []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiting[i] = namedText{name, text}
	for {
		f, ok := c.waiting[c.next]
		if !ok {
			return
		}
		delete(c.waiting, c.next)
		fmt.Fprintf(c.h, "%s %d\n", filepath.Base(f.name), len(f.text))
		c.h.Write(f.text)
		c.next++
	}
}

func (c *checksummer) String() string {
	return "sha256:" + hex.EncodeToString(c.h.Sum(nil))
}

// load reads, parses and decodes the files, then merges and checks them.
// sum, when not nil, takes each file's text.
func load(dir string, files []string, read func(string) ([]byte, error), sum *checksummer, run policy) (*Config, hcl.Diagnostics) {
	// Files are independent until they are merged: read them concurrently,
	// keeping their results, and so the diagnostics, in file order.
	type result struct {
		part       *Config
		diags      hcl.Diagnostics
		unreadable bool
	}
	results := make([]result, len(files))
	parallel.Each(len(files), 0, func(i int) {
		src, err := read(files[i])
		if sum != nil {
			sum.add(i, files[i], src)
		}
		if err != nil {
			results[i] = result{unreadable: true, diags: hcl.Diagnostics{unreadableFile(files[i], err)}}
			return
		}
		n, d := parse(files[i], src)
		results[i].diags = d
		if n != nil {
			results[i].part, d = decodeFile(n, syntaxOf(files[i]))
			results[i].diags = append(results[i].diags, d...)
		}
	})
	var diags hcl.Diagnostics
	var parts []*Config
	broken, unreadable := false, false
	for _, r := range results {
		diags = append(diags, r.diags...)
		unreadable = unreadable || r.unreadable
		if r.part == nil {
			broken = true
			continue
		}
		parts = append(parts, r.part)
	}
	if unreadable {
		return nil, diags
	}
	cfg := merge(parts, &diags)
	cfg.Dir = dir
	cfg.Files = files
	cfg.Access = accessOf(dir, cfg.Platform, run)
	if broken {
		// A file that does not parse is missing from the merged config:
		// checks across files would report what it holds as missing.
		return cfg, diags
	}
	c := &checker{report: report{diags}, cfg: cfg, files: files}
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Subject != nil {
			c.refused = append(c.refused, d)
		}
	}
	c.normalize()
	sortModel(cfg)
	c.resolve()
	c.validate()
	return cfg, c.diags
}

// unreadableFile reports a config file that could not be read: at the
// file, without a line of it (it may be a link to a secret).
func unreadableFile(f string, err error) *hcl.Diagnostic {
	detail := "Check that the file is readable."
	switch {
	case errors.Is(err, ErrOutside):
		detail = "A config file must lie in the config directory once its links are followed (or in a directory MAILFORM_ALLOW_FILES_FROM names): move it there, or remove the link."
	case errors.Is(err, ErrNotRegular):
		detail = "A config file must be a regular file; remove it, or rename it so that it does not end in .hcl, .yaml or .yml."
	case errors.Is(err, ErrTooLarge):
		detail = "Split the config into several files in the same directory."
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("config file %s cannot be read: %s", filepath.Base(f), readProblem(err, MaxConfigFile)),
		Detail:   detail,
		Subject:  &hcl.Range{Filename: f, Start: hcl.InitialPos, End: hcl.InitialPos},
		Extra:    Sensitive{},
	}
}

// accessOf is a config's access: the run's policy where it sets one, the
// platform's allow_env and allow_files_from where it does not.
func accessOf(dir string, p *Platform, run policy) Access {
	env, roots := run.env, run.roots
	if p != nil && env == nil {
		env = p.AllowEnv
	}
	if p != nil && roots == nil {
		roots = p.AllowFilesFrom
	}
	a := newAccess(dir, env, roots)
	a.PinEndpoints = run.pin
	a.envByRun, a.filesByRun = run.env != nil, run.roots != nil
	return a
}

// parse reads one file into the syntax-neutral tree.
func parse(filename string, src []byte) (*node, hcl.Diagnostics) {
	if syntaxOf(filename) == syntaxYAML {
		return readYAML(filename, src)
	}
	return readHCL(filename, src)
}

// merge joins the files' configs. The platform and reseller blocks may be
// written once; collections are joined here and checked for duplicates
// after their names are normalised.
func merge(parts []*Config, diags *hcl.Diagnostics) *Config {
	cfg := &Config{}
	for _, p := range parts {
		cfg.Platform = once(cfg.Platform, p.Platform, "platform", diags)
		cfg.Reseller = once(cfg.Reseller, p.Reseller, "reseller", diags)
		cfg.Backends = append(cfg.Backends, p.Backends...)
		cfg.DNSProviders = append(cfg.DNSProviders, p.DNSProviders...)
		cfg.Tenants = append(cfg.Tenants, p.Tenants...)
		cfg.refs = append(cfg.refs, p.refs...)
	}
	return cfg
}

func once[T nodeHolder](have, next T, what string, diags *hcl.Diagnostics) T {
	var zero T
	if any(next) == any(zero) {
		return have
	}
	if any(have) == any(zero) {
		return next
	}
	*diags = append(*diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("%s is defined twice", what),
		Detail:   fmt.Sprintf("It is already defined at %s; keep one %s block in the whole directory.", place(have.node().NameRange), what),
		Subject:  next.node().NameRange.Ptr(),
	})
	return have
}

// sortModel puts every collection in name order, so that the model does not
// depend on how the config is split into files or ordered within them.
func sortModel(cfg *Config) {
	sortBy(cfg.Backends, func(b *Backend) string { return b.Name })
	sortBy(cfg.DNSProviders, func(p *DNSProvider) string { return p.Name })
	sortBy(cfg.Tenants, func(t *Tenant) string { return t.Name })
	if p := cfg.Platform; p != nil {
		sort.SliceStable(p.MX, func(i, j int) bool {
			if p.MX[i].Priority != p.MX[j].Priority {
				return p.MX[i].Priority < p.MX[j].Priority
			}
			return p.MX[i].Host < p.MX[j].Host
		})
	}
	// Tenants are sorted each on its own, on every core.
	parallel.Each(len(cfg.Tenants), 0, func(i int) {
		t := cfg.Tenants[i]
		sortBy(t.Managers, func(m *Manager) string { return m.Address })
		sortBy(t.Domains, func(d *Domain) string { return d.Name })
		sortBy(t.RelayUsers, func(r *RelayUser) string { return r.Name })
		for _, d := range t.Domains {
			sortBy(d.AliasDomains, func(a *AliasDomain) string { return a.Name })
			sortBy(d.Mailboxes, func(m *Mailbox) string { return m.Name })
			sortBy(d.Aliases, func(a *Alias) string { return a.Name })
			sortBy(d.Records, func(r *Record) string { return r.Name + " " + r.Type + " " + r.Value })
		}
	})
}

func sortBy[T any](s []T, key func(T) string) {
	sort.SliceStable(s, func(i, j int) bool { return key(s[i]) < key(s[j]) })
}

// checker normalises, resolves and validates a merged config, collecting
// every diagnostic.
type checker struct {
	report
	cfg   *Config
	files []string

	noPlatform bool            // the platform block is missing, already reported
	refused    hcl.Diagnostics // the decoder's errors, at values it left empty
	moves      []*Mailbox      // mailboxes with moved_from, for tenants to check
}

// report collects diagnostics; the decoder and the checker both add to one.
type report struct {
	diags hcl.Diagnostics
}

func (r *report) errorf(rng hcl.Range, detail, summary string, args ...any) {
	r.add(hcl.DiagError, rng, detail, fmt.Sprintf(summary, args...))
}

func (r *report) warnf(rng hcl.Range, detail, summary string, args ...any) {
	r.add(hcl.DiagWarning, rng, detail, fmt.Sprintf(summary, args...))
}

func (r *report) add(sev hcl.DiagnosticSeverity, rng hcl.Range, detail, summary string) {
	r.diags = append(r.diags, &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: detail, Subject: rng.Ptr()})
}

func (c *checker) problem(rng hcl.Range, p *problem) {
	c.errorf(rng, p.detail, "%s", p.summary)
}

// reported tells whether the decoder refused the value at rng: it is
// left empty, and is not reported again as empty.
func (c *checker) reported(rng hcl.Range) bool {
	for _, d := range c.refused {
		if d.Subject.Filename == rng.Filename && d.Subject.Start == rng.Start {
			return true
		}
	}
	return false
}

// top is where a diagnostic about the whole directory points: the start of
// its first file.
func (c *checker) top() hcl.Range {
	name := ""
	if len(c.files) > 0 {
		name = c.files[0]
	}
	return hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos}
}
