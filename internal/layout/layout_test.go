// Package layout checks, from the imports, the one-way dependencies that
// docs/architecture.md draws. It holds only this test.
package layout

import (
	"go/build"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/mailform/mailform/"

// graph lists the project's packages (without tests), by path relative to
// the module, and the project's packages each imports. It reads the
// sources itself, with go/build, so that go test's cache knows what the
// result depends on.
func graph(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != "../.." && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(path, 0)
		if err != nil {
			if _, none := err.(*build.NoGoError); none {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel("../..", path)
		var own []string
		for _, imp := range p.Imports {
			if r, ok := strings.CutPrefix(imp, module); ok {
				own = append(own, r)
			}
		}
		out[filepath.ToSlash(rel)] = own
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// reaches lists every package a project package reaches, the standard
// library and modules included.
func reaches(t *testing.T, pkg string) []string {
	t.Helper()
	seen := map[string]bool{}
	var visit func(path, dir string)
	visit = func(path, dir string) {
		if seen[path] || path == "C" || path == "unsafe" {
			return
		}
		seen[path] = true
		p, err := build.Import(path, dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, imp := range p.Imports {
			visit(imp, p.Dir)
		}
	}
	wd, _ := os.Getwd()
	visit(module+pkg, wd)
	return slices.Sorted(maps.Keys(seen))
}

func under(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }

// The rules of docs/architecture.md, each as what a package may not
// import.
func TestDependenciesPointOneWay(t *testing.T) {
	graph := graph(t)
	if len(graph) < 20 {
		t.Fatalf("found %d packages", len(graph))
	}
	rules := []struct {
		name    string
		applies func(pkg string) bool
		refuses func(imp string) bool
	}{
		{"schema is the bottom: it imports only itself",
			func(p string) bool { return under(p, "schema") },
			func(i string) bool { return !under(i, "schema") }},
		{"providers import schema and providers only",
			func(p string) bool { return under(p, "providers") },
			func(i string) bool {
				return !under(i, "schema") && !under(i, "providers") && i != "internal/fault"
			}},
		{"the plan imports no project package",
			func(p string) bool { return p == "reconcile/plan" },
			func(i string) bool { return true }},
		{"render imports only the plan",
			func(p string) bool { return p == "reconcile/render" },
			func(i string) bool { return i != "reconcile/plan" }},
		{"the probes import no project package",
			func(p string) bool { return p == "reconcile/dnsquery" || p == "reconcile/tlsprobe" },
			func(i string) bool { return true }},
		{"the engine imports neither check nor render",
			func(p string) bool { return p == "reconcile" },
			func(i string) bool { return i == "reconcile/check" || i == "reconcile/render" }},
		{"the mail host's services import no engine",
			func(p string) bool { return under(p, "providers/mail/host") },
			func(i string) bool { return under(i, "reconcile") }},
		{"nothing imports a command",
			func(p string) bool { return true },
			func(i string) bool { return under(i, "cmd") }},
		{"product code imports nothing under internal/ but the fault points",
			func(p string) bool { return !under(p, "internal") && p != "cmd/mailform-bench" },
			func(i string) bool { return under(i, "internal") && i != "internal/fault" }},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			for pkg, imps := range graph {
				if !r.applies(pkg) {
					continue
				}
				for _, imp := range imps {
					if r.refuses(imp) {
						t.Errorf("%s imports %s", pkg, imp)
					}
				}
			}
		})
	}
}

// The plan, its file and its views reach no network code: a plan is
// saved, read, compared and shown without anything that could dial out.
func TestPlanReachesNoNetworkCode(t *testing.T) {
	for _, pkg := range []string{"reconcile/plan", "reconcile/render"} {
		deps := reaches(t, pkg)
		for _, d := range deps {
			if d == "net" || under(d, "net/http") || d == "crypto/tls" || (strings.HasPrefix(d, module) && !strings.HasPrefix(d, module+"reconcile/")) {
				t.Errorf("%s reaches %s", pkg, d)
			}
		}
		if !slices.Contains(deps, module+pkg) {
			t.Errorf("go list -deps %s does not list the package itself: %v", pkg, deps)
		}
	}
}
