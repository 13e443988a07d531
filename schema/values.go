package schema

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Size is an amount of storage in bytes. Configs write it with a unit, as
// in "8GB" or "50MB"; units are binary (1GB = 1024 MB), as Dovecot counts.
type Size int64

// Size units.
const (
	KB Size = 1 << 10
	MB Size = 1 << 20
	GB Size = 1 << 30
	TB Size = 1 << 40
)

// PostmasterQuota is the fixed quota of every domain's postmaster mailbox.
const PostmasterQuota = 50 * MB

// ParseSize reads "8GB", "8 GB", "8G", "8GiB", "512MB" or "1TB".
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%q is not a size: write a whole number and a unit, such as \"8GB\"", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is too large a size", s)
	}
	unit := strings.ToUpper(strings.TrimSpace(t[i:]))
	unit = strings.TrimSuffix(strings.TrimSuffix(unit, "IB"), "B")
	var mul Size
	switch unit {
	case "M":
		mul = MB
	case "G":
		mul = GB
	case "T":
		mul = TB
	case "":
		return 0, fmt.Errorf("%q has no unit: write it as \"%sGB\" or \"%sMB\"", s, t[:i], t[:i])
	default:
		return 0, fmt.Errorf("%q has an unknown unit: use MB, GB or TB, as in \"8GB\"", s)
	}
	if n > int64(1<<62)/int64(mul) {
		return 0, fmt.Errorf("%q is too large a size", s)
	}
	if n == 0 {
		return 0, fmt.Errorf("%q is zero: a quota must be at least 1MB", s)
	}
	return Size(n) * mul, nil
}

// String writes the size in the largest unit that divides it: "8GB", "50MB".
func (s Size) String() string {
	switch {
	case s >= TB && s%TB == 0:
		return fmt.Sprintf("%dTB", s/TB)
	case s >= GB && s%GB == 0:
		return fmt.Sprintf("%dGB", s/GB)
	case s%MB == 0:
		return fmt.Sprintf("%dMB", s/MB)
	}
	return fmt.Sprintf("%dB", int64(s))
}

// MarshalText writes the size as String does.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Period is a span of time written in days or hours, as in "30d" or
// "12h"; "0d" is no time at all.
type Period time.Duration

// MaxPeriod is the longest period a config may write: ten years.
const MaxPeriod = Period(3650 * 24 * time.Hour)

// ParsePeriod reads "30d", "30 days", "12h" or "0d".
func ParsePeriod(s string) (Period, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 || i > 7 {
		return 0, fmt.Errorf("%q is not a period: write a whole number of days or hours, such as \"30d\"", s)
	}
	n, _ := strconv.Atoi(t[:i])
	var unit time.Duration
	switch strings.TrimSpace(t[i:]) {
	case "d", "day", "days":
		unit = 24 * time.Hour
	case "h", "hour", "hours":
		unit = time.Hour
	case "":
		return 0, fmt.Errorf("%q has no unit: write it as \"%sd\" (days) or \"%sh\" (hours)", s, t[:i], t[:i])
	default:
		return 0, fmt.Errorf("%q has an unknown unit: use d (days) or h (hours), as in \"30d\"", s)
	}
	p := Period(time.Duration(n) * unit)
	if p > MaxPeriod {
		return 0, fmt.Errorf("%q is longer than ten years", s)
	}
	return p, nil
}

// String writes the period in days when it is whole days: "30d", "36h".
func (p Period) String() string {
	h := int64(time.Duration(p) / time.Hour)
	if h%24 == 0 {
		return fmt.Sprintf("%dd", h/24)
	}
	return fmt.Sprintf("%dh", h)
}

// MarshalText writes the period as String does.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// SecretKind says where a secret comes from.
type SecretKind int

// The secret kinds. A literal is allowed only for a crypt hash.
const (
	SecretHash SecretKind = iota + 1 // a crypt hash written in the config
	SecretEnv                        // env("NAME")
	SecretFile                       // file("path"), relative to the config directory
)

// Secret is a password or credential: a crypt hash written in the config, or
// a reference to where the secret lives. A plaintext secret never appears in
// a config; String never reveals a hash.
type Secret struct {
	Kind SecretKind
	Ref  string // the variable name or the path
	Hash string // SecretHash: the crypt hash
}

// String shows a reference as written and hides a hash.
func (s Secret) String() string {
	switch s.Kind {
	case SecretEnv:
		return fmt.Sprintf("env(%q)", s.Ref)
	case SecretFile:
		return fmt.Sprintf("file(%q)", s.Ref)
	}
	return "(sensitive)"
}

// MarshalText writes what String does, so that a secret never reaches JSON.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Service is a way of reaching a mailbox.
type Service string

// The services a domain or mailbox may enable.
const (
	IMAP    Service = "imap"
	POP3    Service = "pop3"
	SMTP    Service = "smtp"
	Webmail Service = "webmail"
)

// AllServices lists the services in their canonical order.
var AllServices = []Service{IMAP, POP3, SMTP, Webmail}

// Services is a set of services.
type Services uint8

func serviceBit(s Service) Services {
	for i, a := range AllServices {
		if a == s {
			return 1 << i
		}
	}
	return 0
}

// ServicesOf makes a set.
func ServicesOf(list ...Service) Services {
	var s Services
	for _, x := range list {
		s |= serviceBit(x)
	}
	return s
}

// AllServiceSet has every service.
var AllServiceSet = ServicesOf(AllServices...)

// Has reports whether the set holds s.
func (s Services) Has(x Service) bool { return s&serviceBit(x) != 0 }

// List returns the services in canonical order.
func (s Services) List() []Service {
	var out []Service
	for _, x := range AllServices {
		if s.Has(x) {
			out = append(out, x)
		}
	}
	return out
}

// Names lists the services' names in their canonical order. The lists
// are shared, one per set, so that a hundred thousand mailboxes do not
// each hold a copy: read them, never change them.
func (s Services) Names() []string { return serviceNames[s&allServices] }

const allServices Services = 1<<4 - 1

var serviceNames = func() [allServices + 1][]string {
	var out [allServices + 1][]string
	for s := range out {
		var names []string
		for _, x := range Services(s).List() {
			names = append(names, string(x))
		}
		out[s] = names[:len(names):len(names)]
	}
	return out
}()

func (s Services) String() string {
	var names []string
	for _, x := range s.List() {
		names = append(names, string(x))
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// MarshalJSON writes the set as a list of names.
func (s Services) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Date is a point in time written as "2026-08-01" or in RFC 3339.
// A date alone means midnight UTC at its start.
type Date struct {
	Time     time.Time
	DateOnly bool
}

// ParseDate reads "2026-08-01" or "2026-08-01T09:00:00+02:00".
func ParseDate(s string) (Date, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return Date{Time: t, DateOnly: true}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return Date{Time: t}, nil
	}
	return Date{}, fmt.Errorf("%q is not a date: write \"2026-08-01\" or \"2026-08-01T09:00:00+02:00\"", s)
}

func (d Date) String() string {
	if d.DateOnly {
		return d.Time.Format("2006-01-02")
	}
	return d.Time.Format(time.RFC3339)
}

// enum is a string type with a fixed set of values; the decoder checks the
// value and suggests the closest one, and the JSON Schema lists them.
type enum interface {
	values() []string
}

// Branding is how a domain presents the service to its users.
type Branding string

// The three branding modes of DOMAIN.md.
const (
	BrandingNone     Branding = "none"     // platform hostnames
	BrandingReseller Branding = "reseller" // the reseller's brand domain
	BrandingCustomer Branding = "customer" // the customer's own domain
)

func (Branding) values() []string { return []string{"none", "reseller", "customer"} }

// MXMode says where a domain's MX records point.
type MXMode string

// The MX modes.
const (
	MXOwn      MXMode = "own"      // mail.<domain>, an A record to the reseller's IP
	MXReseller MXMode = "reseller" // mail.<reseller brand domain>
	MXPlatform MXMode = "platform" // the platform's MX hosts with their priorities
)

func (MXMode) values() []string { return []string{"own", "reseller", "platform"} }

// Security is how a client connection is protected.
type Security string

// The security modes of a client endpoint.
const (
	SecurityTLS      Security = "tls"      // implicit TLS (IMAPS 993, POP3S 995, SMTPS 465)
	SecuritySTARTTLS Security = "starttls" // plain connection upgraded with STARTTLS
	SecurityNone     Security = "none"
)

func (Security) values() []string { return []string{"tls", "starttls", "none"} }

// PECPlacement says where the certified-mail MX goes.
type PECPlacement string

// The PEC placements of DOMAIN.md.
const (
	PECAuto      PECPlacement = "auto"      // detected from the live DNS
	PECParent    PECPlacement = "parent"    // cert MX in the domain's zone
	PECDelegated PECPlacement = "delegated" // @ MX in the cert.<domain> zone
)

func (PECPlacement) values() []string { return []string{"auto", "parent", "delegated"} }

// DMARCPolicy is a DMARC p= or sp= value.
type DMARCPolicy string

func (DMARCPolicy) values() []string { return []string{"none", "quarantine", "reject"} }

// Alignment is a DMARC adkim= or aspf= value.
type Alignment string

func (Alignment) values() []string { return []string{"relaxed", "strict"} }

// SPFAll is the SPF record's final mechanism.
type SPFAll string

func (SPFAll) values() []string { return []string{"-all", "~all", "?all"} }

// DKIMKeyType is the algorithm of a DKIM key.
type DKIMKeyType string

func (DKIMKeyType) values() []string { return []string{"rsa", "ed25519"} }

// Priority is the priority a relay user's messages carry to recipients.
type Priority string

func (Priority) values() []string { return []string{"high", "normal", "low"} }
