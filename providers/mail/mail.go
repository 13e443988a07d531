package mail

import (
	"context"
	"time"
)

// Tenant is a reseller's customer.
type Tenant struct {
	Name         string    `json:"name"`
	Owner        string    `json:"-"` // the config that manages it; see schema's backend owner
	DisplayName  string    `json:"display_name" diff:"display_name"`
	MaxMailboxes int       `json:"max_mailboxes" diff:"max_mailboxes"` // 0: no limit
	MaxQuota     int64     `json:"max_quota" diff:"max_quota,size"`    // bytes, per mailbox
	Require2FA   bool      `json:"require_2fa" diff:"require_2fa"`
	Managers     []Manager `json:"managers,omitempty" diff:"managers"`
}

// Manager manages some of a tenant's domains.
type Manager struct {
	Address string   `json:"address"`
	Name    string   `json:"name"`
	Domains []string `json:"domains"`
}

// String shows a manager in a plan.
func (m Manager) String() string {
	s := m.Address
	if m.Name != "" {
		s = m.Name + " <" + m.Address + ">"
	}
	if len(m.Domains) > 0 {
		s += " " + joinList(m.Domains)
	}
	return s
}

// Domain is a real mail domain.
type Domain struct {
	Name              string   `json:"name"`
	Tenant            string   `json:"tenant" diff:"tenant"`
	Branding          string   `json:"branding" diff:"branding"`
	MaxMailboxes      int      `json:"max_mailboxes" diff:"max_mailboxes"` // 0: no limit
	MaxQuota          int64    `json:"max_quota" diff:"max_quota,size"`
	DefaultQuota      int64    `json:"default_quota" diff:"default_quota,size"`
	DefaultSendLimit  int      `json:"default_send_limit" diff:"default_send_limit"`
	Services          []string `json:"services" diff:"services"`
	AllowedIPs        []string `json:"allowed_ips,omitempty" diff:"allowed_ips"`
	CatchAll          string   `json:"catch_all,omitempty" diff:"catch_all"`
	Require2FA        bool     `json:"require_2fa" diff:"require_2fa"`
	CustomHostname    string   `json:"custom_hostname,omitempty" diff:"custom_hostname"`
	CustomTitle       string   `json:"custom_title,omitempty" diff:"custom_title"`
	LogoSHA256        string   `json:"logo_sha256,omitempty" diff:"logo_sha256"`
	Logo              []byte   `json:"-"` // the PNG; compared through LogoSHA256
	VerificationToken string   `json:"verification_token" diff:"verification_token"`
	// PurgeDeletedMail is how long after its deletion a mailbox's mail is
	// removed from the mail host ("30d"); empty keeps it.
	PurgeDeletedMail string `json:"purge_deleted_mail,omitempty" diff:"purge_deleted_mail"`
	// Verified is set once the ownership record was seen on every
	// authoritative server; until then the domain is pending: not active,
	// and without mailboxes.
	Verified bool `json:"verified" diff:"verified"`
	Active   bool `json:"active" diff:"active"`
}

// AliasDomain receives for every address of its target domain.
type AliasDomain struct {
	Name              string `json:"name"`
	Target            string `json:"target" diff:"target"`
	VerificationToken string `json:"verification_token" diff:"verification_token"`
	Verified          bool   `json:"verified" diff:"verified"` // as Domain.Verified
	Active            bool   `json:"active" diff:"active"`
}

// Mailbox is a user's mailbox. Services, allowed IPs and 2FA hold the
// effective values, so that the mail servers' queries stay plain.
type Mailbox struct {
	Address       string         `json:"address"`
	Name          string         `json:"name" diff:"display_name"`
	Quota         int64          `json:"quota" diff:"quota,size"`
	Password      Password       `json:"password" diff:"password,sensitive"`
	Services      []string       `json:"services" diff:"services"`
	AllowedIPs    []string       `json:"allowed_ips,omitempty" diff:"allowed_ips"`
	SendLimit     int            `json:"send_limit" diff:"send_limit"`
	Require2FA    bool           `json:"require_2fa" diff:"require_2fa"`
	Forward       []string       `json:"forward,omitempty" diff:"forward"`
	KeepCopy      bool           `json:"keep_copy" diff:"keep_copy"`
	Autoresponder *Autoresponder `json:"autoresponder,omitempty" diff:"autoresponder"`
	Archive       *Archive       `json:"archive,omitempty" diff:"archive"`
	Postmaster    bool           `json:"postmaster,omitempty"`
	Active        bool           `json:"active" diff:"active"`
	// MovedFrom is set on an update that renames or moves the mailbox
	// from this address; it keeps its mail directory. Previous is the
	// config's moved_from, which the diff turns into MovedFrom when the
	// old mailbox is live.
	MovedFrom string `json:"moved_from,omitempty" diff:"moved_from"`
	Previous  string `json:"-"`
	// PurgeAfter is set on a delete whose mail is to be purged: how long
	// after the apply ("30d"). Empty keeps the mail on disk.
	PurgeAfter string `json:"-"`
}

// Autoresponder answers incoming mail, within an optional time window.
type Autoresponder struct {
	Subject string     `json:"subject"`
	Body    string     `json:"body"`
	Start   *time.Time `json:"start,omitempty"`
	End     *time.Time `json:"end,omitempty"`
}

// String shows an autoresponder in a plan.
func (a *Autoresponder) String() string {
	if a == nil {
		return ""
	}
	s := "subject " + quote(a.Subject)
	if a.Start != nil {
		s += " from " + a.Start.UTC().Format(time.RFC3339)
	}
	if a.End != nil {
		s += " until " + a.End.UTC().Format(time.RFC3339)
	}
	return s + ", body sha256:" + shortHash(a.Body)
}

// Archive keeps a read-only copy of all mail in and out.
type Archive struct {
	RetentionYears int      `json:"retention_years"`
	Delegates      []string `json:"delegates,omitempty"`
}

// String shows an archive in a plan.
func (a *Archive) String() string {
	if a == nil {
		return ""
	}
	s := pluralYears(a.RetentionYears)
	if len(a.Delegates) > 0 {
		s += ", delegates " + joinList(a.Delegates)
	}
	return s
}

// Alias delivers mail for an address to other addresses.
type Alias struct {
	Address string   `json:"address"`
	Goto    []string `json:"goto" diff:"to"`
}

// RelayUser is an SMTP relay account.
type RelayUser struct {
	Name            string   `json:"name"`
	Tenant          string   `json:"tenant" diff:"tenant"`
	Password        Password `json:"password" diff:"password,sensitive"`
	SenderDomains   []string `json:"sender_domains,omitempty" diff:"sender_domains"`
	SenderAddresses []string `json:"sender_addresses,omitempty" diff:"sender_addresses"`
	Active          bool     `json:"active" diff:"active"`
	Priority        string   `json:"priority" diff:"priority"`
	Notes           string   `json:"notes,omitempty" diff:"notes"`
}

// DKIMKey is a domain's DKIM key for one selector. The private key is
// for the signing service and never leaves the backend in a plan.
type DKIMKey struct {
	Domain     string `json:"domain"`
	Selector   string `json:"selector"`
	Algorithm  string `json:"algorithm" diff:"algorithm"` // rsa or ed25519
	Bits       int    `json:"bits,omitempty" diff:"bits"`
	PublicKey  string `json:"public_key"`            // base64, as published in DNS
	PrivateKey string `json:"-"`                     // PEM
	Active     bool   `json:"active" diff:"signing"` // the selector mail is signed with
}

// State is everything a backend holds, or should hold. Owner is the name
// under which this config keeps its tenants in the backend: the tenants of
// other owners are read but never changed.
type State struct {
	Owner        string
	Tenants      []*Tenant
	Domains      []*Domain
	AliasDomains []*AliasDomain
	Mailboxes    []*Mailbox
	Aliases      []*Alias
	RelayUsers   []*RelayUser
	DKIMKeys     []*DKIMKey
}

// Action is what an operation does to an object.
type Action int

// The actions of an operation.
const (
	Create Action = iota + 1
	Update
	Delete
)

// Op is one write to a backend. Exactly one of the object fields is set.
// Update carries the whole new object. Creating a DKIM key whose selector
// exists replaces that key.
type Op struct {
	Action      Action
	Tenant      *Tenant
	Domain      *Domain
	AliasDomain *AliasDomain
	Mailbox     *Mailbox
	Alias       *Alias
	RelayUser   *RelayUser
	DKIMKey     *DKIMKey
}

// Backend is a mail backend.
//
// Read returns the whole state in one pass (each table read once) and is
// safe for concurrent use. Apply performs the operations in the order
// given: an Atomic backend (Capabilities) in one transaction, so that
// either every one is done or none is; any other stops at the first that
// fails and returns a *PartialError saying how many were done before it.
// Deleting a mailbox retires it (it stops logging in and receiving, its
// mail stays on disk) and is undone by creating it again.
type Backend interface {
	Read(ctx context.Context) (*State, error)
	Apply(ctx context.Context, ops []Op) error
	Capabilities() Capabilities
	Close() error
}

// Capabilities is what a backend declares, as data; the conformance suite
// (mailtest) checks it. The zero value promises nothing.
type Capabilities struct {
	// Atomic: Apply does all its operations or none. A backend that writes
	// through an API one object at a time (a hosting panel's) is not.
	Atomic bool
}

// PartialError is the failure of a backend that is not atomic: the first
// Done operations were written, the next failed with Err, and the rest
// were not tried.
type PartialError struct {
	Done int
	Err  error
}

func (e *PartialError) Error() string { return e.Err.Error() }
func (e *PartialError) Unwrap() error { return e.Err }

// Purger is a backend that keeps the purge list: the retired mailboxes
// whose mail the config asked to remove from the mail host. mailform purge,
// run on the mail host, removes each one's mail directory and then calls
// Forget. Callers hold the backend's apply lock throughout, so that no
// apply revives a mailbox while its mail is removed.
type Purger interface {
	Lock(ctx context.Context, holder string, wait time.Duration) (unlock func() error, err error)
	// DuePurges lists the retired mailboxes whose purge falls due by now.
	DuePurges(ctx context.Context, now time.Time) ([]Retired, error)
	// Forget removes what the backend keeps of a purged mailbox, if it is
	// still retired.
	Forget(ctx context.Context, address string) error
}

// Retired is a retired mailbox on the purge list.
type Retired struct {
	Address string
	Maildir string    // its mail directory, under the mail servers' root: acme.example/info/
	Due     time.Time // when its purge falls due
	// SharedWith names another mailbox whose directory is this one, or
	// lies inside it or around it: such a directory is never removed.
	SharedWith string
}
