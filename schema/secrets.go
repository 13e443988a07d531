package schema

import (
	"fmt"
	"path/filepath"
	"reflect"
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// SecretRef is a secret reference and where the config makes it.
type SecretRef struct {
	Secret Secret
	Range  hcl.Range
}

// SecretRefs lists every env() and file() reference of the config, in
// source order.
func (c *Config) SecretRefs() []SecretRef {
	var out []SecretRef
	walkSecrets(reflect.ValueOf(c).Elem(), &out)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Range, out[j].Range
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return out
}

func walkSecrets(v reflect.Value, out *[]SecretRef) {
	spec := specOf(v.Type())
	nd := v.Addr().Interface().(nodeHolder).node()
	for _, f := range spec.fields {
		fv := v.Field(f.index)
		switch {
		case f.kind == fieldAttr && fv.Type() == reflect.TypeOf((*Secret)(nil)):
			if s := fv.Interface().(*Secret); s != nil && s.Kind != SecretHash {
				*out = append(*out, SecretRef{*s, nd.At(f.name)})
			}
		case f.kind == fieldBlock:
			if !fv.IsNil() {
				walkSecrets(fv.Elem(), out)
			}
		case f.kind == fieldBlocks || f.kind == fieldList:
			for i := 0; i < fv.Len(); i++ {
				walkSecrets(fv.Index(i).Elem(), out)
			}
		}
	}
	if spec.remain != nil {
		for _, s := range v.Field(spec.remain.index).Interface().(map[string]*Setting) {
			if s.Kind == SettingSecret {
				*out = append(*out, SecretRef{*s.Secret, s.Range})
			}
		}
	}
}

// Environment is where secret references are looked up. Plan and apply pass
// the process's environment and file system; tests pass their own.
type Environment struct {
	LookupEnv func(name string) (string, bool)
	ReadFile  func(path string) ([]byte, error)
}

// Resolve returns the value a reference points to. Errors name the variable
// or the file, never a value.
func (e Environment) Resolve(dir string, s Secret) (string, error) {
	switch s.Kind {
	case SecretEnv:
		v, ok := e.LookupEnv(s.Ref)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", s.Ref)
		}
		return v, nil
	case SecretFile:
		path := s.Ref
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		b, err := e.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("secret file %s cannot be read", s.Ref)
		}
		return trimNewline(string(b)), nil
	}
	return s.Hash, nil
}

func trimNewline(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// CheckSecrets reports every reference that cannot be resolved in env, all
// at once. Validation does not call it: a config is valid on a machine that
// holds none of its secrets; plan and apply do.
func CheckSecrets(cfg *Config, env Environment) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, ref := range cfg.SecretRefs() {
		if _, err := env.Resolve(cfg.Dir, ref.Secret); err != nil {
			detail := fmt.Sprintf("Set %s in the environment mailform runs in (in CI, as a masked secret variable).", ref.Secret.Ref)
			if ref.Secret.Kind == SecretFile {
				detail = fmt.Sprintf("Create the file, relative to the config directory %s, holding only the secret.", cfg.Dir)
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  err.Error(),
				Detail:   detail,
				Subject:  ref.Range.Ptr(),
				Extra:    Sensitive{},
			})
		}
	}
	return diags
}
