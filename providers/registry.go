package providers

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

// Config is what a provider's constructor receives: its block from the
// config, and the means to read what the block refers to.
type Config struct {
	Name     string
	Type     string
	Settings map[string]*schema.Setting
	Access   schema.Access      // the config directory, for relative paths, and what env() and file() may read
	Env      schema.Environment // resolves env() settings
}

// String is a string setting, or def.
func (c Config) String(key, def string) string {
	if s := c.Settings[key]; s != nil && s.Kind == schema.SettingString {
		return s.String
	}
	return def
}

// Int is a number setting, or def.
func (c Config) Int(key string, def int) int {
	if s := c.Settings[key]; s != nil && s.Kind == schema.SettingInt {
		return s.Int
	}
	return def
}

// Bool is a boolean setting, or def.
func (c Config) Bool(key string, def bool) bool {
	if s := c.Settings[key]; s != nil && s.Kind == schema.SettingBool {
		return s.Bool
	}
	return def
}

// List is a list setting.
func (c Config) List(key string) []string {
	if s := c.Settings[key]; s != nil {
		return s.List
	}
	return nil
}

// Path is a path setting made absolute against the config directory.
func (c Config) Path(key, def string) string {
	p := c.String(key, def)
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Access.Dir, p)
}

// Secret resolves a setting that holds a secret, or a plain string.
func (c Config) Secret(key string) (string, error) {
	s := c.Settings[key]
	switch {
	case s == nil:
		return "", nil
	case s.Kind == schema.SettingSecret:
		v, err := c.Env.Resolve(c.Access, *s.Secret)
		if err != nil {
			return "", fmt.Errorf("%s %q: %s: %w", c.Type, c.Name, key, err)
		}
		return v, nil
	}
	return s.String, nil
}

// MailFactory opens a mail backend.
type MailFactory func(ctx context.Context, cfg Config) (mail.Backend, error)

// DNSFactory opens a DNS provider.
type DNSFactory func(ctx context.Context, cfg Config) (dns.Provider, error)

// LocationFactory opens a mail backend that mailform has written, from
// where it lies (a URL, or a file's path), for the services that run on
// the mail host without a config.
type LocationFactory func(ctx context.Context, location string) (mail.Backend, error)

var (
	mu          sync.RWMutex
	mailTypes   = map[string]MailFactory{}
	dnsTypesReg = map[string]DNSFactory{}
	locations   = map[string]LocationFactory{}
)

// RegisterLocation makes the mail backends at URLs of a scheme available
// to OpenLocation; the scheme "file" also opens a location that is a
// path. It panics when the scheme is taken.
func RegisterLocation(scheme string, f LocationFactory) {
	register(locations, "mail backend location scheme", scheme, f)
}

// OpenLocation opens the mail backend at a location: a URL whose scheme
// a backend type registered (postgres://…), or the path of a file.
func OpenLocation(ctx context.Context, location string) (mail.Backend, error) {
	scheme, _, found := strings.Cut(location, "://")
	if !found {
		scheme = "file"
	}
	f := lookup(locations, scheme)
	if f == nil {
		return nil, fmt.Errorf("%s: no mail backend in this build is reached at %s:// locations (have %v)", location, scheme, names(locations))
	}
	return f(ctx, location)
}

// RegisterMail makes a mail backend type available by name. It panics when
// the name is taken: two packages must not claim one type.
func RegisterMail(typ string, f MailFactory) { register(mailTypes, "mail backend type", typ, f) }

// RegisterDNS makes a DNS provider type available by name. It panics when
// the name is taken.
func RegisterDNS(typ string, f DNSFactory) { register(dnsTypesReg, "DNS provider type", typ, f) }

func register[F any](m map[string]F, what, name string, f F) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := m[name]; dup {
		panic("providers: " + what + " " + name + " registered twice")
	}
	m[name] = f
}

func lookup[F any](m map[string]F, name string) F {
	mu.RLock()
	defer mu.RUnlock()
	return m[name]
}

// OpenMail opens the mail backend a config block describes.
func OpenMail(ctx context.Context, cfg Config) (mail.Backend, error) {
	f := lookup(mailTypes, cfg.Type)
	if f == nil {
		return nil, fmt.Errorf("backend %q: type %q is not available in this build (have %v)", cfg.Name, cfg.Type, names(mailTypes))
	}
	return f(ctx, cfg)
}

// OpenDNS opens the DNS provider a config block describes.
func OpenDNS(ctx context.Context, cfg Config) (dns.Provider, error) {
	f := lookup(dnsTypesReg, cfg.Type)
	if f == nil {
		return nil, fmt.Errorf("dns_provider %q: type %q is not available in this build (have %v)", cfg.Name, cfg.Type, names(dnsTypesReg))
	}
	return f(ctx, cfg)
}

func names[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
