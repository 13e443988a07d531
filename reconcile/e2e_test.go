package reconcile

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailform/mailform/schema"

	_ "github.com/mailform/mailform/providers/dns/zonefile"
	_ "github.com/mailform/mailform/providers/mail/sql"
)

// copyDir copies a config directory (and the files it refers to one level
// up, such as logos) into a fresh temporary directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	root := t.TempDir()
	base := filepath.Dir(src)
	err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, path)
		dst := filepath.Join(root, rel)
		if d.IsDir() {
			if d.Name() == ".mailform" || d.Name() == "zones" {
				return filepath.SkipDir
			}
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, filepath.Base(src))
}

type session struct {
	t   *testing.T
	dir string
	env schema.Environment
	ctx context.Context
}

func newSession(t *testing.T, example string, env map[string]string) *session {
	return &session{t: t, dir: copyDir(t, example), ctx: context.Background(), env: schema.Environment{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		ReadFile:  os.ReadFile,
	}}
}

func (s *session) plan() (*Plan, *Providers) {
	s.t.Helper()
	cfg, srcs, diags := schema.Load(s.dir)
	if diags.HasErrors() {
		s.t.Fatal(diags.Error())
	}
	provs, err := Open(s.ctx, cfg, s.env)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { provs.Close() })
	p, _, d, err := MakePlan(s.ctx, cfg, srcs, s.env, provs, PlanOptions{})
	if err != nil || d.HasErrors() {
		s.t.Fatalf("plan: %v %v", err, d)
	}
	return p, provs
}

func TestQuickstartConverges(t *testing.T) {
	s := newSession(t, "../examples/quickstart/hcl", nil)
	p, provs := s.plan()
	if p.Empty() {
		t.Fatal("the first plan is empty")
	}
	for _, c := range p.Changes {
		t.Logf("%c %s %v", c.Action, c.Address, c.Fields)
	}
	res := Apply(s.ctx, p, provs, nil)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	p2, _ := s.plan()
	for _, c := range p2.Changes {
		t.Errorf("second plan: %c %s %v", c.Action, c.Address, c.Fields)
	}
}
