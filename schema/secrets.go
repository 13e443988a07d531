package schema

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// SecretRef is a secret reference and where the config makes it.
type SecretRef struct {
	Secret Secret
	Range  hcl.Range
}

// SecretRefs lists every env() and file() reference of the config, in
// source order, as the decoder met them.
func (c *Config) SecretRefs() []SecretRef {
	out := append([]SecretRef(nil), c.refs...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Range, out[j].Range
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return out
}

// Environment is where env() references are looked up. Plan and apply
// pass the process's environment; tests pass their own. file()
// references are read through the config's Access.
type Environment struct {
	LookupEnv func(name string) (string, bool)
}

// Resolve returns the value a reference points to, reading only what the
// config's access allows. Errors name the variable or the file, never a
// value.
func (e Environment) Resolve(a Access, s Secret) (string, error) {
	switch s.Kind {
	case SecretEnv:
		if !a.EnvAllowed(s.Ref) {
			return "", fmt.Errorf("env(%q) is not allowed: env() reads only %s", s.Ref, a.allowedEnv())
		}
		v, ok := e.LookupEnv(s.Ref)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", s.Ref)
		}
		return v, nil
	case SecretFile:
		b, err := a.Read(s.Ref, MaxSecretFile)
		if err != nil {
			return "", fmt.Errorf("secret file %s cannot be read: %s", s.Ref, readProblem(err, MaxSecretFile))
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
		if _, err := env.Resolve(cfg.Access, ref.Secret); err != nil {
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

// references checks what each env() and file() reference may read: a
// variable the access allows, a path in the directories it allows. The
// variable need not be set, nor the file exist, on the machine that
// validates.
func (c *checker) references() {
	a := c.cfg.Access
	for _, ref := range c.cfg.SecretRefs() {
		s := ref.Secret
		switch {
		case s.Kind == SecretEnv && !a.EnvAllowed(s.Ref):
			c.add(hcl.DiagError, ref.Range, fmt.Sprintf("env() reads only the variables %s: name the variable MAILFORM_…, or add %s to allow_env in the platform block (when the run sets %s, that list decides).", a.allowedEnv(), s.Ref, EnvAllowEnv),
				fmt.Sprintf("env(%q) is not allowed", s.Ref))
		case s.Kind == SecretFile:
			if _, err := a.Locate(s.Ref); err != nil {
				c.add(hcl.DiagError, ref.Range, fmt.Sprintf("file() reads only in the config directory %s and the directories allow_files_from names (when the run sets %s, that list decides); links are followed before the check.", a.Dir, EnvAllowFilesFrom),
					fmt.Sprintf("file(%q) is outside the directories the config may read", s.Ref))
			}
		}
	}
}
