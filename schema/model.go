package schema

import (
	"github.com/hashicorp/hcl/v2"
)

// The model. Struct tags drive the one decoder behind both syntaxes and the
// JSON Schema:
//
//	mf:"name"                  an attribute
//	mf:"name,block"            one nested block (YAML: a mapping)
//	mf:"name,blocks,yaml=xs"   labelled blocks (YAML: a mapping label → body under xs)
//	mf:"name,list,yaml=xs"     repeated unlabelled blocks (YAML: a list under xs)
//	mf:",label"                the block's label
//	mf:",remain"               every other attribute, checked per provider type
//
// with options required, secret (a reference only), hash (a crypt hash or
// a reference) and multiline (a text of lines; every other string is one
// line without control characters). doc:"…" describes the field in the JSON Schema, and js:"…"
// adds bounds there (minimum=, maximum=, maxItems=).
//
// Optional values are pointers, nil when the config does not set them; the
// Effective fields hold what applies after inheritance (platform → tenant →
// domain → mailbox), and are what validation and planning look at.

// Node is where a model element was written. It is left out when two models
// are compared.
type Node struct {
	NameRange hcl.Range   // its label, or its type when unlabelled
	Attrs     []AttrRange // each attribute's value; list elements as "name.N"
}

// AttrRange is where an attribute's value was written, in the file of its
// block's name. A hundred thousand mailboxes hold a few each, so it is
// kept small: positions as 32-bit numbers, the file name once, in the
// block's NameRange. A block has a few attributes: a slice is smaller and
// quicker than a map for so few.
type AttrRange struct {
	Name       string
	start, end pos32
}

type pos32 struct{ line, column, byte uint32 }

func compactPos(p hcl.Pos) pos32 {
	return pos32{uint32(p.Line), uint32(p.Column), uint32(p.Byte)}
}

func (p pos32) pos() hcl.Pos {
	return hcl.Pos{Line: int(p.line), Column: int(p.column), Byte: int(p.byte)}
}

// At is the range of an attribute's value, or of the block's name when the
// attribute is not written.
func (n *Node) At(attr string) hcl.Range { return *n.at(attr) }

// Has reports whether the attribute is written.
func (n *Node) Has(attr string) bool { return n.attr(attr) != nil }

// at is At's range, as a pointer to share.
func (n *Node) at(attr string) *hcl.Range {
	if a := n.attr(attr); a != nil {
		r := span{n.NameRange.Filename, a.start, a.end}.rng()
		return &r
	}
	return &n.NameRange
}

// attr is a written attribute, or nil.
func (n *Node) attr(name string) *AttrRange {
	for i := range n.Attrs {
		if n.Attrs[i].Name == name {
			return &n.Attrs[i]
		}
	}
	return nil
}

// setAttr records an attribute's range, which is in the file of the
// block's name. The decoder sets each name once: a key written twice is
// reported and skipped.
func (n *Node) setAttr(name string, at span) {
	n.Attrs = append(n.Attrs, AttrRange{name, at.start, at.end})
}

func (n *Node) node() *Node { return n }

// Config is a whole configuration directory, all files merged.
type Config struct {
	Node   `mf:"-"`
	Dir    string   `mf:"-"`
	Files  []string `mf:"-"`
	Access Access   `mf:"-"` // what the config may read beyond its files

	refs         []SecretRef    // every env() and file() reference, as decoded
	Platform     *Platform      `mf:"platform,block" doc:"The mail platform: hostnames, ports, MX hosts and what it sells."`
	Reseller     *Reseller      `mf:"reseller,block" doc:"The reseller selling the platform under its own brand."`
	Backends     []*Backend     `mf:"backend,blocks,yaml=backends" doc:"Mail backends, by name. Without one, mailform uses SQLite in .mailform/mail.db."`
	DNSProviders []*DNSProvider `mf:"dns_provider,blocks,yaml=dns_providers" doc:"DNS providers, by name, that domains refer to with dns = \"name\"."`
	Tenants      []*Tenant      `mf:"tenant,blocks,yaml=tenants" doc:"The reseller's customers, by name."`
}

// Platform is the mail service itself.
type Platform struct {
	Node             `mf:"-"`
	Name             string    `mf:"name" doc:"The platform's name, shown in plans."`
	MailHost         string    `mf:"mail_host,required" doc:"Host name clients use when a domain has no branding, e.g. 156.unihost.it."`
	WebmailURL       string    `mf:"webmail_url,required" doc:"Webmail URL when a domain has no branding, e.g. https://webmail.unihost.it."`
	VerificationIP   string    `mf:"verification_ip,required" doc:"IPv4 address the ownership record d<9 digits>.<domain> points to."`
	IMAP             *Endpoint `mf:"imap,block" doc:"IMAP endpoint (default port 993, tls)."`
	POP3             *Endpoint `mf:"pop3,block" doc:"POP3 endpoint (default port 995, tls)."`
	Submission       *Endpoint `mf:"submission,block" doc:"SMTP submission endpoint (default port 587, starttls)."`
	MX               []*MXHost `mf:"mx,blocks,yaml=mx" doc:"The platform's MX hosts, by host name, with their priorities."`
	SPFInclude       []string  `mf:"spf_include" doc:"Domains whose SPF lists the platform's sending hosts, included in every domain's SPF record."`
	Relay            *Relay    `mf:"relay,block" doc:"The SMTP relay endpoint relay users send through."`
	Quotas           []Size    `mf:"quotas" doc:"Mailbox sizes the platform sells (default 1GB to 8GB, 16GB, 25GB)."`
	DefaultQuota     *Size     `mf:"default_quota" doc:"Quota of a mailbox that sets none (default 8GB)."`
	SendLimits       []int     `mf:"send_limits" doc:"Daily external send limits offered (default 250, 1000, 2000, 5000)."`
	DefaultSendLimit *int      `mf:"default_send_limit" doc:"Daily external send limit of a mailbox that sets none (default 250)."`
	PurgeDeletedMail *Period   `mf:"purge_deleted_mail" doc:"Remove the mail of a mailbox this config deletes from the mail host this long after the apply, e.g. \"30d\" (\"0d\": at the next purge run). The removal is done by mailform purge on the mail host. Without it the mail is kept on disk. Tenants and domains may set their own."`
	OwnershipProof   string    `mf:"ownership_proof" doc:"dns (default): a new domain or alias domain stays pending, without mailboxes, until its ownership record d<9 digits>.<domain> answers on every authoritative server; none: activate at once, for a platform that vets domains elsewhere."`
	DNSResolver      string    `mf:"dns_resolver" doc:"Resolver (host or host:port) that finds a domain's authoritative servers from its NS set (default: the first nameserver of /etc/resolv.conf)."`
	AuthServers      []string  `mf:"authoritative_servers" doc:"Servers (host or host:port) to ask for the domain's DNS, instead of the authoritative servers its NS set names: apply waits for the ownership record on these, and mailform check queries these. For a private view or a test. Tenants and domains may set their own."`
	AllowEnv         []string  `mf:"allow_env" doc:"Environment variables env() may read besides MAILFORM_*, as names or patterns with *, e.g. [\"PDNS_API_KEY\"]. MAILFORM_ALLOW_ENV, set by whoever runs mailform, replaces this list."`
	AllowFilesFrom   []string  `mf:"allow_files_from" doc:"Directories file() and logo may read from besides the config directory, e.g. [\"/etc/mailform/secrets\"]. MAILFORM_ALLOW_FILES_FROM, set by whoever runs mailform, replaces this list."`

	Effective PlatformEffective `mf:"-"`
}

// PlatformEffective is the platform with its defaults filled in.
type PlatformEffective struct {
	IMAP, POP3, Submission EndpointEffective
	Quotas                 []Size
	DefaultQuota           Size
	MaxQuota               Size // the largest size sold
	SendLimits             []int
	DefaultSendLimit       int
}

// Endpoint is how clients reach one service.
type Endpoint struct {
	Node     `mf:"-"`
	Host     string    `mf:"host" doc:"Host name (default: the platform's mail_host)."`
	Port     *int      `mf:"port" doc:"TCP port." js:"minimum=1,maximum=65535"`
	Security *Security `mf:"security" doc:"tls (implicit), starttls or none."`
}

// EndpointEffective is an endpoint with its defaults filled in.
type EndpointEffective struct {
	Host     string
	Port     int
	Security Security
}

// MXHost is one of the platform's MX hosts.
type MXHost struct {
	Node     `mf:"-"`
	Host     string `mf:",label"`
	Priority int    `mf:"priority,required" doc:"MX preference; lower is tried first." js:"minimum=0,maximum=65535"`
}

// Relay is the platform's SMTP relay service for transactional sending.
type Relay struct {
	Node     `mf:"-"`
	Host     string `mf:"host,required" doc:"Relay host name."`
	Port     *int   `mf:"port" doc:"Port: 25 or any of 1025-5000 (default 587)."`
	STARTTLS *bool  `mf:"starttls" doc:"Whether STARTTLS is offered (default true)."`
}

// Reseller sells the platform under its own brand.
type Reseller struct {
	Node        `mf:"-"`
	Name        string `mf:"name" doc:"The reseller's name."`
	IPv4        string `mf:"ipv4" doc:"The reseller's dedicated IPv4 address, shared by all its domains."`
	IPv6        string `mf:"ipv6" doc:"The reseller's optional IPv6 address."`
	BrandDomain string `mf:"brand_domain" doc:"The reseller's own domain, used by reseller branding (mail.<it>, webmail.<it>)."`
}

// Backend is a mail backend that holds tenants, domains and mailboxes.
type Backend struct {
	Node     `mf:"-"`
	Name     string              `mf:",label"`
	Type     string              `mf:"type,required" doc:"sqlite or postgres."`
	Settings map[string]*Setting `mf:",remain"`
}

// DNSProvider is where the DNS zones of some domains live.
type DNSProvider struct {
	Node     `mf:"-"`
	Name     string              `mf:",label"`
	Type     string              `mf:"type,required" doc:"zonefile, rfc2136, powerdns, cloudflare or route53."`
	Settings map[string]*Setting `mf:",remain"`
}

// Setting is one provider-specific attribute; which ones a provider takes is
// in providerTypes.
type Setting struct {
	Kind   SettingKind
	String string
	Int    int
	Bool   bool
	List   []string
	Secret *Secret
	Range  hcl.Range
}

// SettingKind is the type of a provider setting.
type SettingKind int

// The setting kinds.
const (
	SettingString SettingKind = iota + 1
	SettingInt
	SettingBool
	SettingList
	SettingSecret
)

// Tenant is one of the reseller's customers.
type Tenant struct {
	Node             `mf:"-"`
	Name             string       `mf:",label"`
	DisplayName      string       `mf:"display_name" doc:"The customer's name, e.g. its company name."`
	Backend          string       `mf:"backend" doc:"Which backend holds this tenant (needed when there is more than one)."`
	MaxMailboxes     *int         `mf:"max_mailboxes" doc:"How many mailboxes the tenant may have across its domains." js:"minimum=0"`
	MaxQuota         *Size        `mf:"max_quota" doc:"Largest quota of any of the tenant's mailboxes."`
	DefaultQuota     *Size        `mf:"default_quota" doc:"Quota of a mailbox that sets none, unless its domain sets one."`
	DefaultSendLimit *int         `mf:"default_send_limit" doc:"Daily external send limit of a mailbox that sets none."`
	Services         *Services    `mf:"services" doc:"Services enabled for all the tenant's users: imap, pop3, smtp, webmail."`
	PurgeDeletedMail *Period      `mf:"purge_deleted_mail" doc:"Remove the mail of a mailbox this config deletes from the mail host this long after the apply, e.g. \"30d\" (\"0d\": at the next purge run). The removal is done by mailform purge on the mail host. Without it the mail is kept on disk. Default: the platform's."`
	AuthServers      []string     `mf:"authoritative_servers" doc:"Servers (host or host:port) to ask for the domain's DNS, instead of the authoritative servers its NS set names: apply waits for the ownership record on these, and mailform check queries these. For a private view or a test. Default: the platform's."`
	Require2FA       *bool        `mf:"require_2fa" doc:"Make two-factor authentication mandatory for every mailbox."`
	Managers         []*Manager   `mf:"manager,blocks,yaml=managers" doc:"Managers, by address: they manage several domains, at most one per domain."`
	Domains          []*Domain    `mf:"domain,blocks,yaml=domains" doc:"The tenant's mail domains, by name."`
	RelayUsers       []*RelayUser `mf:"relay_user,blocks,yaml=relay_users" doc:"SMTP relay users, by user name."`

	Effective TenantEffective `mf:"-"`
}

// TenantEffective is the tenant with inherited values filled in.
type TenantEffective struct {
	Backend          string
	MaxQuota         Inherited[Size]
	DefaultQuota     Inherited[Size]
	DefaultSendLimit Inherited[int]
	Services         Services
	Require2FA       bool
	PurgeDeletedMail *Period // nil: deleted mailboxes keep their mail
	AuthServers      []string
}

// Inherited is an effective value and where it was set: the attribute that
// set it, or the platform block for a built-in default. From is shared by
// every object that inherits the value (a hundred thousand mailboxes need
// not each hold a copy): never nil, never changed.
type Inherited[T any] struct {
	Value T
	From  *hcl.Range
}

// Manager manages some of a tenant's domains.
type Manager struct {
	Node    `mf:"-"`
	Address string   `mf:",label"`
	Name    string   `mf:"name" doc:"The manager's full name."`
	Domains []string `mf:"domains" doc:"Domains this manager manages (default: all of the tenant's)."`
}

// Domain is a real mail domain.
type Domain struct {
	Node             `mf:"-"`
	Name             string         `mf:",label"`
	Branding         *Branding      `mf:"branding" doc:"none (platform hostnames), reseller (the reseller's brand domain) or customer (the domain's own hostnames)."`
	DNS              string         `mf:"dns" doc:"Name of the DNS provider of this domain's zone; without it the DNS is not managed and plans print the records to set."`
	MX               *MXMode        `mf:"mx" doc:"Where MX points: own (mail.<domain>), reseller (mail.<brand domain>) or platform (the platform's MX hosts)."`
	DNSTTL           *int           `mf:"dns_ttl" doc:"TTL of the mail records mailform publishes (default 3600)." js:"minimum=60,maximum=604800"`
	DNSThreshold     *int           `mf:"dns_change_threshold" doc:"Percentage of the zone's records a plan may update or delete without --force (default: the DNS provider's)." js:"minimum=0,maximum=100"`
	MaxMailboxes     *int           `mf:"max_mailboxes" doc:"How many mailboxes the domain may have (the postmaster not counted)." js:"minimum=0"`
	MaxQuota         *Size          `mf:"max_quota" doc:"Largest quota of a mailbox of this domain."`
	DefaultQuota     *Size          `mf:"default_quota" doc:"Quota of a mailbox that sets none."`
	DefaultSendLimit *int           `mf:"default_send_limit" doc:"Daily external send limit of a mailbox that sets none."`
	Services         *Services      `mf:"services" doc:"Services enabled for all users of the domain: imap, pop3, smtp, webmail."`
	AllowedIPs       []string       `mf:"allowed_ips" doc:"Up to 5 IP addresses (or networks) allowed to use POP, IMAP and SMTP; empty allows any." js:"maxItems=5"`
	CatchAll         string         `mf:"catch_all" doc:"Address that receives mail for unknown local parts. Draws spam: use only when needed."`
	Require2FA       *bool          `mf:"require_2fa" doc:"Make two-factor authentication mandatory for the whole domain."`
	PurgeDeletedMail *Period        `mf:"purge_deleted_mail" doc:"Remove the mail of a mailbox this config deletes from the mail host this long after the apply, e.g. \"30d\" (\"0d\": at the next purge run). The removal is done by mailform purge on the mail host. Without it the mail is kept on disk. Default: the tenant's."`
	AuthServers      []string       `mf:"authoritative_servers" doc:"Servers (host or host:port) to ask for the domain's DNS, instead of the authoritative servers its NS set names: apply waits for the ownership record on these, and mailform check queries these. For a private view or a test. Default: the tenant's."`
	Customization    *Customization `mf:"customization,block" doc:"Branding of the panel and webmail: hostname, title, logo."`
	Postmaster       *Postmaster    `mf:"postmaster,block" doc:"The domain's postmaster, created implicitly with a fixed 50MB quota."`
	AliasDomains     []*AliasDomain `mf:"alias_domain,blocks,yaml=alias_domains" doc:"Alias domains, by name: they receive for every address of this domain. IDN names are allowed here."`
	SPF              *SPF           `mf:"spf,block" doc:"The SPF record."`
	DMARC            *DMARC         `mf:"dmarc,block" doc:"The DMARC record."`
	DKIM             *DKIM          `mf:"dkim,block" doc:"DKIM signing key and its published selectors."`
	PEC              *PEC           `mf:"pec,block" doc:"Certified mail (PEC) on cert.<domain>."`
	Records          []*Record      `mf:"record,list,yaml=records" doc:"Extra DNS records mailform manages in this domain's zone."`
	Mailboxes        []*Mailbox     `mf:"mailbox,blocks,yaml=mailboxes" doc:"Mailboxes, by local part."`
	Aliases          []*Alias       `mf:"alias,blocks,yaml=aliases" doc:"Aliases, by local part."`

	Effective DomainEffective `mf:"-"`
}

// DomainEffective is the domain with inherited values filled in.
type DomainEffective struct {
	Branding         Branding
	MX               MXMode
	DNSTTL           int
	MaxMailboxes     *Inherited[int] // nil: no limit
	MaxQuota         Inherited[Size]
	DefaultQuota     Inherited[Size]
	DefaultSendLimit Inherited[int]
	Services         Services
	Require2FA       bool
	PurgeDeletedMail *Period  // nil: deleted mailboxes keep their mail
	AuthServers      []string // pinned authoritative servers, host:port; nil: the NS set
}

// Customization brands the panel and the webmail of a domain.
type Customization struct {
	Node     `mf:"-"`
	Hostname string `mf:"hostname" doc:"Host name under which the customization shows (default webmail.<domain>)."`
	Title    string `mf:"title" doc:"Page title."`
	Logo     string `mf:"logo" doc:"Logo file, relative to the config directory: a transparent PNG of 177×49 pixels."`
}

// Postmaster is the implicit postmaster@<domain> mailbox.
type Postmaster struct {
	Node         `mf:"-"`
	PasswordHash *Secret `mf:"password_hash,hash" doc:"Crypt hash of the password, e.g. {SHA512-CRYPT}$6$…, or env(\"NAME\") / file(\"path\") holding one."`
	Password     *Secret `mf:"password,secret" doc:"env(\"NAME\") or file(\"path\") holding the password; mailform stores its hash."`
}

// AliasDomain is a domain that receives for every address of a real domain.
type AliasDomain struct {
	Node    `mf:"-"`
	Name    string `mf:",label"` // ASCII (punycode) after loading
	Unicode string `mf:"-"`      // the name as people read it
	DNS     string `mf:"dns" doc:"DNS provider of this alias domain's zone (default: the real domain's)."`
}

// SPF configures the apex v=spf1 record.
type SPF struct {
	Node    `mf:"-"`
	Enabled *bool    `mf:"enabled" doc:"Publish SPF (default true)."`
	Include []string `mf:"include" doc:"Domains whose SPF is included."`
	IP4     []string `mf:"ip4" doc:"Extra IPv4 senders."`
	IP6     []string `mf:"ip6" doc:"Extra IPv6 senders."`
	All     *SPFAll  `mf:"all" doc:"Final mechanism: -all, ~all (default) or ?all."`
}

// DMARC configures the _dmarc record.
type DMARC struct {
	Node            `mf:"-"`
	Enabled         *bool        `mf:"enabled" doc:"Publish DMARC (default true)."`
	Policy          *DMARCPolicy `mf:"policy" doc:"p=: none (default), quarantine or reject."`
	SubdomainPolicy *DMARCPolicy `mf:"subdomain_policy" doc:"sp=: none, quarantine or reject."`
	Percent         *int         `mf:"percent" doc:"pct=: share of mail the policy applies to, 0-100." js:"minimum=0,maximum=100"`
	RUA             []string     `mf:"rua" doc:"Where aggregate reports go: addresses or mailto: URIs."`
	RUF             []string     `mf:"ruf" doc:"Where failure reports go: addresses or mailto: URIs."`
	ADKIM           *Alignment   `mf:"adkim" doc:"DKIM alignment: relaxed or strict."`
	ASPF            *Alignment   `mf:"aspf" doc:"SPF alignment: relaxed or strict."`
}

// DKIM configures the signing key and the published selectors.
type DKIM struct {
	Node              `mf:"-"`
	Enabled           *bool        `mf:"enabled" doc:"Sign and publish DKIM (default true)."`
	Selector          string       `mf:"selector" doc:"Selector of the signing key (default \"mail\"); change it to rotate."`
	PreviousSelectors []string     `mf:"previous_selectors" doc:"Selectors still published after a rotation, until dropped here."`
	KeyType           *DKIMKeyType `mf:"key_type" doc:"rsa (default) or ed25519."`
	KeyBits           *int         `mf:"key_bits" doc:"RSA key size: 1024, 2048 (default) or 4096."`
}

// PEC is certified mail on cert.<domain>, served by a PEC provider.
type PEC struct {
	Node      `mf:"-"`
	Placement *PECPlacement `mf:"placement" doc:"auto (detect from the live DNS), parent (cert MX in this zone) or delegated (apex MX in the cert.<domain> zone)."`
	Host      string        `mf:"host" doc:"The PEC provider's MX host (default mx.cert.legalmail.it)."`
	Priority  *int          `mf:"priority" doc:"MX preference (default 10)." js:"minimum=0,maximum=65535"`
	DNS       string        `mf:"dns" doc:"DNS provider of a delegated cert.<domain> zone (default: the domain's)."`
}

// Record is an explicit DNS record mailform manages in a domain's zone.
type Record struct {
	Node  `mf:"-"`
	Name  string `mf:"name,required" doc:"Owner name relative to the zone; @ for the apex."`
	Type  string `mf:"type,required" doc:"A, AAAA, CNAME, MX, TXT, SRV or CAA."`
	Value string `mf:"value,required" doc:"Record data in zone-file syntax, e.g. \"10 mx.example.net.\" for MX; for TXT, the text itself, unquoted."`
	TTL   *int   `mf:"ttl" doc:"TTL in seconds (default: the domain's dns_ttl)." js:"minimum=30,maximum=604800"`
}

// Mailbox is a user's mailbox.
type Mailbox struct {
	Node          `mf:"-"`
	Name          string         `mf:",label"`
	DisplayName   string         `mf:"display_name" doc:"The user's name."`
	Quota         *Size          `mf:"quota" doc:"Mailbox size, one the platform sells, e.g. \"8GB\"."`
	Services      *Services      `mf:"services" doc:"Services this user may use (default: the domain's)."`
	PasswordHash  *Secret        `mf:"password_hash,hash" doc:"Crypt hash of the password ({SHA512-CRYPT}$6$…, {BLF-CRYPT}$2y$…, $1$…), or env(\"NAME\") / file(\"path\") holding one."`
	Password      *Secret        `mf:"password,secret" doc:"env(\"NAME\") or file(\"path\") holding the password; mailform stores its hash."`
	Forward       *Forward       `mf:"forward,block" doc:"Forward incoming mail."`
	Autoresponder *Autoresponder `mf:"autoresponder,block" doc:"Automatic reply, optionally within a time window."`
	SendLimit     *int           `mf:"send_limit" doc:"Daily limit of messages to external recipients, one of the platform's send_limits."`
	Require2FA    *bool          `mf:"require_2fa" doc:"Make two-factor authentication mandatory for this user."`
	Archive       *Archive       `mf:"archive,block" doc:"Read-only archive of all mail in and out."`
	Enabled       *bool          `mf:"enabled" doc:"Whether the mailbox accepts logins and mail (default true)."`
	MovedFrom     string         `mf:"moved_from" doc:"The mailbox's earlier address, when it is renamed or moved from another domain: apply moves the live mailbox with its mail instead of creating an empty one. Harmless once moved."`

	Effective MailboxEffective `mf:"-"`
}

// MailboxEffective is the mailbox with inherited values filled in.
type MailboxEffective struct {
	Address    string
	Quota      Inherited[Size]
	SendLimit  Inherited[int]
	Services   Services
	Require2FA bool
	Enabled    bool
}

// Forward sends a copy of incoming mail elsewhere.
type Forward struct {
	Node     `mf:"-"`
	To       []string `mf:"to,required" doc:"Destination addresses."`
	KeepCopy *bool    `mf:"keep_copy" doc:"Also keep the message in this mailbox (default true)."`
}

// Autoresponder answers incoming mail automatically.
type Autoresponder struct {
	Node    `mf:"-"`
	Subject string `mf:"subject,required" doc:"Subject of the reply."`
	Body    string `mf:"body,required,multiline" doc:"Text of the reply."`
	Start   *Date  `mf:"start" doc:"First day (\"2026-08-01\") or moment (RFC 3339) of replying."`
	End     *Date  `mf:"end" doc:"Last day or moment of replying."`
}

// Archive keeps a read-only copy of all mail in and out.
type Archive struct {
	Node           `mf:"-"`
	RetentionYears int      `mf:"retention_years,required" doc:"How long messages are kept, 1-10 years." js:"minimum=1,maximum=10"`
	Delegates      []string `mf:"delegates" doc:"Addresses allowed to read the archive besides its owner."`
}

// Alias delivers mail for an address to other addresses.
type Alias struct {
	Node `mf:"-"`
	Name string   `mf:",label"`
	To   []string `mf:"to,required" doc:"Destination addresses."`
}

// RelayUser is an SMTP relay account for transactional sending.
type RelayUser struct {
	Node            `mf:"-"`
	Name            string    `mf:",label"`
	PasswordHash    *Secret   `mf:"password_hash,hash" doc:"Crypt hash of the password, or env(\"NAME\") / file(\"path\") holding one."`
	Password        *Secret   `mf:"password,secret" doc:"env(\"NAME\") or file(\"path\") holding the password."`
	SenderDomains   []string  `mf:"sender_domains" doc:"Domains of the tenant this user may send from."`
	SenderAddresses []string  `mf:"sender_addresses" doc:"Addresses, in the tenant's domains, this user may send from."`
	Active          *bool     `mf:"active" doc:"Whether the user may send (default true); needs at least one sender."`
	Priority        *Priority `mf:"priority" doc:"Priority recipients see: high, normal (default) or low."`
	Notes           string    `mf:"notes" doc:"Free notes, never shown outside."`
}

// nodeHolder is every model element with a Node.
type nodeHolder interface{ node() *Node }
