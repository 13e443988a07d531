// Package source is the way in: what a source of a reseller's existing
// mail hosting (a panel's CSV export, a PostfixAdmin database, live zones)
// reads, as tenants, domains, mailboxes and aliases, and how that is
// written out as canonical config files, one per tenant. Each source is a
// package below this one.
//
// It writes config files and nothing else: it never writes to the source
// it read, to a backend or to DNS.
package source

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mailform/mailform/schema"
)

// Tenant is a tenant as it will be written, with its domains.
type Tenant struct {
	Name    string
	Domains []*Domain
}

// Domain is a real domain and what it holds. Values are as the config
// writes them: sizes as "8GB", services by name; empty or nil is unset.
type Domain struct {
	Name           string // canonical, ASCII
	DNS            string // the DNS provider of its zone; empty: not managed
	PostmasterHash string // a crypt hash
	MaxMailboxes   *int
	MaxQuota       string
	DefaultQuota   string
	Services       []string
	AllowedIPs     []string
	CatchAll       string
	AliasDomains   []string // as people read them (Unicode)
	Mailboxes      []*Mailbox
	Aliases        []*Alias
}

// Mailbox is a mailbox of a domain.
type Mailbox struct {
	Local        string
	DisplayName  string
	PasswordHash string // a crypt hash
	Quota        string
	Services     []string
	Forward      []string
	SendLimit    *int
	Enabled      *bool
	// Comment is written above the mailbox: why it is imported switched
	// off, for one.
	Comment string
}

// Alias is an alias of a domain.
type Alias struct {
	Local string
	To    []string
}

// Blocks are a tenant as the config writer writes it.
func (t *Tenant) Blocks() *schema.Block {
	b := &schema.Block{Type: "tenant", Label: t.Name}
	for _, d := range t.Domains {
		db := b.Add("domain", d.Name)
		setIf(db, "dns", d.DNS)
		setIf(db, "max_mailboxes", d.MaxMailboxes)
		setIf(db, "max_quota", d.MaxQuota)
		setIf(db, "default_quota", d.DefaultQuota)
		setIf(db, "services", d.Services)
		setIf(db, "allowed_ips", d.AllowedIPs)
		setIf(db, "catch_all", d.CatchAll)
		if d.PostmasterHash != "" {
			db.Add("postmaster", "").Set("password_hash", d.PostmasterHash)
		}
		for _, a := range d.AliasDomains {
			db.Add("alias_domain", a)
		}
		for _, m := range d.Mailboxes {
			mb := db.Add("mailbox", m.Local)
			mb.Comment = m.Comment
			setIf(mb, "display_name", m.DisplayName)
			setIf(mb, "quota", m.Quota)
			setIf(mb, "services", m.Services)
			setIf(mb, "password_hash", m.PasswordHash)
			setIf(mb, "send_limit", m.SendLimit)
			setIf(mb, "enabled", m.Enabled)
			if len(m.Forward) > 0 {
				mb.Add("forward", "").Set("to", m.Forward)
			}
		}
		for _, a := range d.Aliases {
			db.Add("alias", a.Local).Set("to", a.To)
		}
	}
	return b
}

// setIf sets an attribute that has a value: a non-empty string or list,
// a non-nil pointer.
func setIf(b *schema.Block, name string, v any) {
	switch x := v.(type) {
	case string:
		if x != "" {
			b.Set(name, x)
		}
	case []string:
		if len(x) > 0 {
			b.Set(name, x)
		}
	case *int:
		if x != nil {
			b.Set(name, *x)
		}
	case *bool:
		if x != nil {
			b.Set(name, *x)
		}
	}
}

// Files are config files to write: name → content.
type Files map[string][]byte

// Render writes each tenant into a file of its own, "<tenant>.hcl" or
// ".yaml", in the order the tenants, domains and objects come: the same
// input gives the same bytes.
func Render(tenants []*Tenant, format string) (Files, error) {
	write := schema.WriteHCL
	switch format {
	case "hcl":
	case "yaml":
		write = schema.WriteYAML
	default:
		return nil, fmt.Errorf("format %q: write hcl or yaml", format)
	}
	out := Files{}
	for _, t := range tenants {
		var b bytes.Buffer
		b.WriteString("# Imported by mailform import.\n\n")
		if err := write(&b, []*schema.Block{t.Blocks()}); err != nil {
			return nil, err
		}
		name := t.Name + "." + format
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("two tenants named %s", t.Name)
		}
		out[name] = b.Bytes()
	}
	return out, nil
}

// ErrExists is returned by WriteFiles for a file that is there already.
var ErrExists = errors.New("exists")

// WriteFiles writes files into dir, which is made if missing. Unless
// force, it writes nothing when any of them exists, and names each.
func WriteFiles(dir string, files Files, force bool) error {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	if !force {
		var there []string
		for _, name := range names {
			if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
				there = append(there, filepath.Join(dir, name))
			}
		}
		if len(there) > 0 {
			return fmt.Errorf("%w: %s; pass --force to overwrite, or import into another directory", ErrExists, strings.Join(there, ", "))
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}
