// Package csv reads a hosting panel's CSV export (domains, alias domains,
// accounts, aliases; docs/import.md gives the columns) into tenants for
// mailform import. Every problem of every file is reported at once, each
// as file:line:field, and nothing is returned then.
//
// It reads the files it is given and nothing else; plaintext passwords
// leave it only hashed.
package csv

import (
	"bytes"
	"crypto/sha256"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/providers/source"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/schema/parallel"
)

// Files are the paths of the CSV files to read; an empty one is not read.
type Files struct {
	Domains, AliasDomains, Accounts, Aliases string
}

// Options say how the files are read.
type Options struct {
	// Expert: the domains and accounts files carry every optional column,
	// even empty, as the panel's expert mode writes them. Without it they
	// carry none.
	Expert bool
	// Tenant puts every domain into the tenant of that name; empty gives
	// each domain a tenant of its own, named after it.
	Tenant string
	// DNS names the DNS provider of every domain's zone; empty leaves
	// their DNS unmanaged.
	DNS string
	// Quotas and SendLimits are what the platform sells; a value outside
	// them is an error at its place. Nil: not checked.
	Quotas     []schema.Size
	SendLimits []int
}

// The columns of each file, required ones first.
var (
	domainColumns      = []string{"domain", "postmaster_password", "max_mailboxes", "max_quota", "default_quota", "services", "allowed_ips", "catch_all"}
	aliasDomainColumns = []string{"alias_domain", "domain"}
	accountColumns     = []string{"address", "password", "display_name", "quota", "services", "forwards", "send_limit", "enabled"}
	aliasColumns       = []string{"address", "destinations"}
)

// Error is one problem, at its place: file, line and column name.
type Error struct {
	File  string
	Line  int
	Field string // the column's name; empty for the whole line
	What  string
	Fix   string
}

func (e *Error) Error() string {
	at := e.File
	if e.Line > 0 {
		at = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field != "" {
		at += ":" + e.Field
	}
	if e.Fix == "" {
		return at + ": " + e.What
	}
	return at + ": " + e.What + ". " + e.Fix
}

// Errors are every problem found, in file and line order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// maxErrors bounds the list: a file in the wrong format would give one
// per line.
const maxErrors = 200

// record is one line of a file, its fields named by column.
type record struct {
	file   string
	line   int
	fields []string
	names  []string
}

func (r record) get(name string) string {
	if i := slices.Index(r.names, name); i >= 0 && i < len(r.fields) {
		return strings.TrimSpace(r.fields[i])
	}
	return ""
}

// reader reads the files of one import and keeps every problem.
type reader struct {
	opt         Options
	aliasesFile string
	errs        Errors
	// plain are the passwords given in clear, hashed once every file is
	// read and found good, on every core: SHA512-CRYPT takes a few
	// milliseconds a password.
	plain []plaintext
}

// plaintext is a password in clear, and where its hash goes.
type plaintext struct {
	hash            *string
	address, secret string
}

func (rd *reader) fail(r record, field, what, fix string) {
	if len(rd.errs) < maxErrors {
		rd.errs = append(rd.errs, &Error{File: r.file, Line: r.line, Field: field, What: what, Fix: fix})
	}
}

// failErr reports a check's error: a *schema.ValueError keeps its fix.
func (rd *reader) failErr(r record, field string, err error) {
	var ve *schema.ValueError
	if errors.As(err, &ve) {
		rd.fail(r, field, ve.What, ve.Fix)
		return
	}
	rd.fail(r, field, err.Error(), "")
}

// Read reads the files into tenants, or returns every problem as Errors.
func Read(files Files, opt Options) ([]*source.Tenant, error) {
	rd := &reader{opt: opt, aliasesFile: files.Aliases}
	domains := rd.domains(files.Domains)
	rd.aliasDomains(files.AliasDomains, domains)
	rd.accounts(files.Accounts, domains)
	rd.aliases(files.Aliases, domains)
	rd.loops(domains)
	if len(rd.errs) > 0 {
		return nil, rd.errs
	}
	if err := rd.hashPlaintexts(); err != nil {
		return nil, err
	}
	return rd.tenants(domains), nil
}

// hashPlaintexts hashes the passwords given in clear with SHA512-CRYPT,
// the salt drawn from the address and the password, so that the same
// input gives the same file.
func (rd *reader) hashPlaintexts() error {
	errs := make([]error, len(rd.plain))
	parallel.Each(len(rd.plain), 0, func(i int) {
		p := rd.plain[i]
		sum := sha256.Sum256([]byte(p.address + "\x00" + p.secret))
		*p.hash, errs[i] = mail.HashPlaintext(p.secret, cryptSalt(sum[:]))
	})
	rd.plain = nil
	return errors.Join(errs...)
}

// importDomain is a domain read, with where it was read.
type importDomain struct {
	*source.Domain
	line      int
	mailboxes map[string]int // local part → line
	aliases   map[string]int
}

// domainSet is the domains read, by name, in file order.
type domainSet struct {
	byName map[string]*importDomain
	order  []*importDomain
}

func (s *domainSet) get(name string) *importDomain { return s.byName[name] }

// records reads a file's lines: encoded in UTF-8 (with or without a
// byte-order mark) or Windows-1252, as spreadsheets write them, lines
// ended by LF or CRLF, fields separated by ; and quoted by ".
func (rd *reader) records(path string, columns []string, required int, expert bool) []record {
	if path == "" {
		return nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		rd.errs = append(rd.errs, &Error{File: path, Line: 0, What: err.Error()})
		return nil
	}
	text := decode(raw)
	cr := stdcsv.NewReader(strings.NewReader(text))
	cr.Comma = ';'
	cr.FieldsPerRecord = -1
	want := required
	if expert {
		want = len(columns)
	}
	var out []record
	first := true // the first line that is not blank: a header is refused there
	for {
		fields, err := cr.Read()
		if err == io.EOF {
			break
		}
		r := record{file: path, fields: fields, names: columns}
		if pe := (*stdcsv.ParseError)(nil); errors.As(err, &pe) {
			r.line = pe.StartLine
			rd.fail(r, "", "not a valid CSV line: "+pe.Err.Error(), `Separate fields with ; and quote a field that holds ; or " with "…", doubling a " inside it.`)
			continue
		} else if err != nil {
			rd.errs = append(rd.errs, &Error{File: path, What: err.Error()})
			break
		}
		r.line, _ = cr.FieldPos(0)
		if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" {
			continue // a blank line
		}
		if first && looksLikeHeader(fields) {
			rd.fail(r, "", fmt.Sprintf("the first line looks like column headings (%q)", fields[0]), "The files have no header line: remove it.")
			continue
		}
		first = false
		if len(fields) != want {
			rd.fail(r, "", fmt.Sprintf("%d fields, want %d (%s)", len(fields), want, strings.Join(columns[:want], ";")), countFix(len(fields), columns, required, expert))
			continue
		}
		out = append(out, r)
	}
	return out
}

func countFix(got int, columns []string, required int, expert bool) string {
	switch {
	case !expert && got == len(columns) && len(columns) > required:
		return "The line has the optional columns: pass --expert to import them, or remove them."
	case expert && got == required:
		return "With --expert every optional column must be there, even empty: add the ; of the empty ones."
	}
	return "Check the separators: fields are separated by ; and a field that holds ; must be quoted."
}

// decode returns a file's text: UTF-8 without its byte-order mark, or the
// Windows-1252 a spreadsheet wrote, turned into UTF-8.
func decode(raw []byte) string {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if utf8.Valid(raw) {
		return string(raw)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		return string(raw)
	}
	return string(out)
}

// looksLikeHeader reports whether a first line names columns: its first
// field is words, not a domain or an address.
func looksLikeHeader(fields []string) bool {
	f := strings.ToLower(strings.TrimSpace(fields[0]))
	if f == "" || strings.ContainsAny(f, ".@") {
		return false
	}
	for _, r := range f {
		if !(r >= 'a' && r <= 'z' || r == ' ' || r == '_' || r == '-' || r >= 0x80) {
			return false
		}
	}
	return true
}

func (rd *reader) domains(path string) *domainSet {
	set := &domainSet{byName: map[string]*importDomain{}}
	for _, r := range rd.records(path, domainColumns, 2, rd.opt.Expert) {
		name, _, err := schema.CheckDomainName(r.get("domain"), false)
		if err != nil {
			rd.failErr(r, "domain", err)
			continue
		}
		if first := set.get(name); first != nil {
			rd.fail(r, "domain", fmt.Sprintf("domain %s is listed twice", name), fmt.Sprintf("It is at line %d already: keep one line.", first.line))
			continue
		}
		d := &importDomain{Domain: &source.Domain{Name: name, DNS: rd.opt.DNS}, line: r.line, mailboxes: map[string]int{}, aliases: map[string]int{}}
		rd.password(r, "postmaster_password", "postmaster@"+name, &d.PostmasterHash)
		if rd.opt.Expert {
			d.MaxMailboxes = rd.count(r, "max_mailboxes", nil)
			d.MaxQuota = rd.size(r, "max_quota")
			d.DefaultQuota = rd.size(r, "default_quota")
			d.Services = rd.services(r, "services")
			d.AllowedIPs = rd.ips(r, "allowed_ips")
			if c := r.get("catch_all"); c != "" {
				if a, err := schema.CheckAddress(c); err != nil {
					rd.failErr(r, "catch_all", err)
				} else {
					d.CatchAll = a
				}
			}
		}
		set.byName[name] = d
		set.order = append(set.order, d)
	}
	return set
}

func (rd *reader) aliasDomains(path string, domains *domainSet) {
	seen := map[string]int{}
	for _, r := range rd.records(path, aliasDomainColumns, 2, false) {
		alias, unicode, err := schema.CheckDomainName(r.get("alias_domain"), true)
		if err != nil {
			rd.failErr(r, "alias_domain", err)
			continue
		}
		target, _, err := schema.CheckDomainName(r.get("domain"), false)
		if err != nil {
			rd.failErr(r, "domain", err)
			continue
		}
		d := domains.get(target)
		switch {
		case d == nil:
			rd.fail(r, "domain", fmt.Sprintf("domain %s is not in the domains file", target), "Import the domain too: add it to the file given with --domains.")
		case domains.get(alias) != nil:
			rd.fail(r, "alias_domain", fmt.Sprintf("%s is imported as a real domain", alias), "A name is a real domain or an alias domain: remove one of the two lines.")
		case seen[alias] > 0:
			rd.fail(r, "alias_domain", fmt.Sprintf("alias domain %s is listed twice", alias), fmt.Sprintf("It is at line %d already: keep one line.", seen[alias]))
		default:
			seen[alias] = r.line
			d.AliasDomains = append(d.AliasDomains, unicode)
		}
	}
}

func (rd *reader) accounts(path string, domains *domainSet) {
	for _, r := range rd.records(path, accountColumns, 2, rd.opt.Expert) {
		local, d := rd.owner(r, "address", domains)
		if d == nil {
			continue
		}
		if first := d.mailboxes[local]; first > 0 {
			rd.fail(r, "address", fmt.Sprintf("%s@%s is listed twice", local, d.Name), fmt.Sprintf("It is at line %d already: keep one line.", first))
			continue
		}
		if local == "postmaster" {
			rd.fail(r, "address", "postmaster@"+d.Name+" is the domain's postmaster", "Give its password in the domains file (postmaster_password), not as an account.")
			continue
		}
		m := &source.Mailbox{Local: local}
		rd.password(r, "password", local+"@"+d.Name, &m.PasswordHash)
		if rd.opt.Expert {
			m.DisplayName = rd.text(r, "display_name")
			m.Quota = rd.size(r, "quota")
			m.Services = rd.services(r, "services")
			m.Forward, _ = rd.addresses(r, "forwards")
			m.SendLimit = rd.count(r, "send_limit", rd.opt.SendLimits)
			m.Enabled = rd.flag(r, "enabled")
		}
		if enabled(m) && d.MaxMailboxes != nil && enabledCount(d.Mailboxes) >= *d.MaxMailboxes {
			off := false
			m.Enabled = &off
			m.Comment = fmt.Sprintf("Imported switched off: domain %s allows %d mailboxes (max_mailboxes).", d.Name, *d.MaxMailboxes)
		}
		d.mailboxes[local] = r.line
		d.Mailboxes = append(d.Mailboxes, m)
	}
}

func enabled(m *source.Mailbox) bool { return m.Enabled == nil || *m.Enabled }

func enabledCount(ms []*source.Mailbox) int {
	n := 0
	for _, m := range ms {
		if enabled(m) {
			n++
		}
	}
	return n
}

func (rd *reader) aliases(path string, domains *domainSet) {
	for _, r := range rd.records(path, aliasColumns, 2, false) {
		local, d := rd.owner(r, "address", domains)
		if d == nil {
			continue
		}
		address := local + "@" + d.Name
		switch {
		case d.mailboxes[local] > 0:
			rd.fail(r, "address", address+" is a mailbox too", fmt.Sprintf("It is an account at line %d: forward the mailbox instead (forwards), or drop one of the two.", d.mailboxes[local]))
			continue
		case d.aliases[local] > 0:
			rd.fail(r, "address", address+" is listed twice", fmt.Sprintf("It is at line %d already: put every destination on one line.", d.aliases[local]))
			continue
		}
		to, ok := rd.addresses(r, "destinations")
		if !ok {
			continue
		}
		if len(to) == 0 {
			rd.fail(r, "destinations", "an alias without destinations", "List the addresses it delivers to, separated by commas.")
			continue
		}
		d.aliases[local] = r.line
		d.Aliases = append(d.Aliases, &source.Alias{Local: local, To: to})
	}
}

// owner checks an address and finds its imported domain.
func (rd *reader) owner(r record, field string, domains *domainSet) (string, *importDomain) {
	a, err := schema.CheckAddress(r.get(field))
	if err != nil {
		rd.failErr(r, field, err)
		return "", nil
	}
	local, domain, _ := strings.Cut(a, "@")
	d := domains.get(domain)
	if d == nil {
		rd.fail(r, field, fmt.Sprintf("domain %s of %s is not in the domains file", domain, a), "Import the domain too: add it to the file given with --domains.")
		return "", nil
	}
	return local, d
}

// loops reports aliases that deliver to each other in a circle, never
// reaching a mailbox or an address outside.
func (rd *reader) loops(domains *domainSet) {
	alias := map[string][]string{}
	line := map[string]int{}
	for _, d := range domains.order {
		for _, a := range d.Aliases {
			addr := a.Local + "@" + d.Name
			alias[addr], line[addr] = a.To, d.aliases[a.Local]
		}
	}
	reported := map[string]bool{}
	for _, d := range domains.order {
		for _, a := range d.Aliases {
			start := a.Local + "@" + d.Name
			if cycle := findCycle(start, alias); cycle != nil && !reported[cycle[0]] {
				for _, c := range cycle {
					reported[c] = true
				}
				rd.errs = append(rd.errs, &Error{File: rd.aliasesFile, Line: line[start], Field: "destinations",
					What: "alias loop: " + strings.Join(append(cycle, cycle[0]), " → "), Fix: "Point one of them at a mailbox or an outside address."})
			}
		}
	}
}

// findCycle follows the aliases from start, and returns the circle it
// comes back to start by, or nil.
func findCycle(start string, alias map[string][]string) []string {
	var path []string
	on := map[string]bool{}
	var walk func(a string) []string
	walk = func(a string) []string {
		if a == start && len(path) > 0 {
			return slices.Clone(path)
		}
		if on[a] {
			return nil
		}
		to, ok := alias[a]
		if !ok {
			return nil
		}
		on[a] = true
		path = append(path, a)
		for _, t := range to {
			if c := walk(t); c != nil {
				return c
			}
		}
		path = path[:len(path)-1]
		return nil
	}
	return walk(start)
}

// password reads a password field into hash: a crypt hash is kept as it
// is written; a plaintext is hashed once the files are read
// (hashPlaintexts).
func (rd *reader) password(r record, field, address string, hash *string) {
	p := r.get(field)
	switch {
	case p == "":
		rd.fail(r, field, "no password", "Give the password, or its crypt hash ({SHA512-CRYPT}$6$…, $1$…, {BLF-CRYPT}…).")
	case schema.LooksHashed(p):
		if err := schema.CheckHash(p); err != nil {
			rd.failErr(r, field, err)
			return
		}
		*hash = mail.Stored(p)
	default:
		rd.plain = append(rd.plain, plaintext{hash: hash, address: address, secret: p})
	}
}

// cryptSalt writes 16 salt characters of crypt's alphabet from b.
func cryptSalt(b []byte) string {
	const alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	out := make([]byte, 16)
	for i := range out {
		out[i] = alphabet[b[i]%64]
	}
	return string(out)
}

// count reads a whole number; one of offered, when that is not nil.
func (rd *reader) count(r record, field string, offered []int) *int {
	v := r.get(field)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		rd.fail(r, field, fmt.Sprintf("%q is not a number", v), "Write a whole number, 0 or more, or leave the field empty.")
		return nil
	}
	if offered != nil && !slices.Contains(offered, n) {
		rd.fail(r, field, fmt.Sprintf("%d is not one the platform offers", n), fmt.Sprintf("The platform offers %s: use one of them, or leave the field empty.", join(offered)))
		return nil
	}
	return &n
}

func join[T any](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

func (rd *reader) size(r record, field string) string {
	v := r.get(field)
	if v == "" {
		return ""
	}
	s, err := schema.ParseSize(v)
	if err != nil {
		rd.fail(r, field, err.Error(), "Write a size such as 8GB or 512MB, or leave the field empty.")
		return ""
	}
	if rd.opt.Quotas != nil && !slices.Contains(rd.opt.Quotas, s) {
		rd.fail(r, field, fmt.Sprintf("%s is not a size the platform sells", s), fmt.Sprintf("The platform sells %s: use one of them, or leave the field empty.", join(rd.opt.Quotas)))
		return ""
	}
	return s.String()
}

func (rd *reader) services(r record, field string) []string {
	v := r.get(field)
	if v == "" {
		return nil
	}
	var set schema.Services
	for _, s := range list(v) {
		x := schema.Service(strings.ToLower(s))
		if !slices.Contains(schema.AllServices, x) {
			rd.fail(r, field, fmt.Sprintf("unknown service %q", s), "Services are imap, pop3, smtp and webmail, separated by commas.")
			return nil
		}
		set |= schema.ServicesOf(x)
	}
	return set.Names()
}

func (rd *reader) ips(r record, field string) []string {
	ips := list(r.get(field))
	if len(ips) > 5 {
		rd.fail(r, field, fmt.Sprintf("%d addresses, more than 5", len(ips)), "Use a network (such as 203.0.113.0/28) to cover several.")
		return nil
	}
	for _, ip := range ips {
		if err := schema.CheckIP(ip); err != nil {
			rd.failErr(r, field, err)
			return nil
		}
	}
	return ips
}

// addresses reads a comma-separated list of addresses; false when one of
// them is not an address.
func (rd *reader) addresses(r record, field string) ([]string, bool) {
	var out []string
	for _, s := range list(r.get(field)) {
		a, err := schema.CheckAddress(s)
		if err != nil {
			rd.failErr(r, field, err)
			return nil, false
		}
		out = append(out, a)
	}
	return out, true
}

// flag reads a yes or no; yes, the default, gives nil.
func (rd *reader) flag(r record, field string) *bool {
	switch strings.ToLower(r.get(field)) {
	case "":
		return nil
	case "1", "yes", "y", "true", "si", "sì", "on":
		return nil // the default: not written
	case "0", "no", "n", "false", "off":
		f := false
		return &f
	}
	rd.fail(r, field, fmt.Sprintf("%q is not yes or no", r.get(field)), "Write yes or no (1 or 0), or leave the field empty for yes.")
	return nil
}

// text is a field of free text: one printable line.
func (rd *reader) text(r record, field string) string {
	v := r.get(field)
	if strings.ContainsFunc(v, func(c rune) bool { return c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || c == 0x2028 || c == 0x2029 }) {
		rd.fail(r, field, "a control character or line break in the text", "Keep the field to one line of printable text.")
		return ""
	}
	return v
}

// list splits a field's comma-separated values.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// tenants groups the domains: into Options.Tenant, or one tenant per
// domain, named after it.
func (rd *reader) tenants(domains *domainSet) []*source.Tenant {
	if rd.opt.Tenant != "" {
		t := &source.Tenant{Name: rd.opt.Tenant}
		for _, d := range domains.order {
			t.Domains = append(t.Domains, d.Domain)
		}
		return []*source.Tenant{t}
	}
	var out []*source.Tenant
	for _, d := range domains.order {
		out = append(out, &source.Tenant{Name: d.Name, Domains: []*source.Domain{d.Domain}})
	}
	return out
}
