package schema

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Load's checksum, taken from files read concurrently, is Checksum of the
// same texts; it names the files by name only, so a copy of the directory
// elsewhere has the same one, and a changed byte gives another.
func TestLoadChecksum(t *testing.T) {
	src := filepath.Join("..", "examples", "reseller", "hcl")
	_, names, got, diags := Load(src)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	texts := Sources{}
	copyDir := t.TempDir()
	for name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		texts[name] = b
		if err := os.WriteFile(filepath.Join(copyDir, filepath.Base(name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(texts) < 2 {
		t.Fatalf("want a directory of several files, got %d", len(texts))
	}
	if diff := cmp.Diff(Checksum(texts), got); diff != "" {
		t.Errorf("Load's checksum is not Checksum of the texts (-want +got):\n%s", diff)
	}
	_, _, copied, _ := Load(copyDir)
	if copied != got {
		t.Errorf("a copy of the directory has checksum %s, want %s", copied, got)
	}
	for name, b := range texts {
		changed := append([]byte{}, b...)
		changed[len(changed)-1] ^= 1
		if err := os.WriteFile(filepath.Join(copyDir, filepath.Base(name)), changed, 0o644); err != nil {
			t.Fatal(err)
		}
		break
	}
	if _, _, after, _ := Load(copyDir); after == got {
		t.Errorf("a changed byte kept the checksum %s", got)
	}
}
