package schema

import (
	"net"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Built-in defaults, from the platforms DOMAIN.md describes.
var (
	defaultQuotas     = []Size{1 * GB, 2 * GB, 3 * GB, 4 * GB, 5 * GB, 6 * GB, 7 * GB, 8 * GB, 16 * GB, 25 * GB}
	defaultQuota      = 8 * GB
	defaultSendLimits = []int{250, 1000, 2000, 5000}
	defaultSendLimit  = 250
)

// Defaults of a domain's DNS and of its PEC and DKIM settings.
const (
	DefaultDNSTTL       = 3600
	DefaultPECHost      = "mx.cert.legalmail.it"
	DefaultPECPriority  = 10
	DefaultDKIMSelector = "mail"
	DefaultDKIMBits     = 2048
	DefaultRelayPort    = 25
	DefaultSQLitePath   = ".mailform/mail.db"
	DefaultZoneDir      = "zones"
)

// resolve fills in every Effective field: a value set on the element itself,
// else the nearest one up the chain platform → tenant → domain → mailbox,
// else the built-in default.
func (c *checker) resolve() {
	cfg := c.cfg
	if cfg.Platform == nil {
		c.errorf(c.top(), "Add a platform block to one of the files: platform { mail_host = \"mail.example.net\", webmail_url = \"https://webmail.example.net\", verification_ip = \"192.0.2.16\" }.", "no platform block")
		cfg.Platform = &Platform{}
		c.noPlatform = true
	}
	p := cfg.Platform
	pe := &p.Effective
	pe.IMAP = endpoint(p.IMAP, p.MailHost, 993, SecurityTLS)
	pe.POP3 = endpoint(p.POP3, p.MailHost, 995, SecurityTLS)
	pe.Submission = endpoint(p.Submission, p.MailHost, 587, SecuritySTARTTLS)
	pe.Quotas = sortedUnique(orDefault(p.Quotas, defaultQuotas))
	pe.SendLimits = sortedUnique(orDefault(p.SendLimits, defaultSendLimits))
	pe.DefaultQuota = pick(p.DefaultQuota, defaultQuota, pe.Quotas)
	pe.DefaultSendLimit = pick(p.DefaultSendLimit, defaultSendLimit, pe.SendLimits)
	if n := len(pe.Quotas); n > 0 {
		pe.MaxQuota = pe.Quotas[n-1]
	}
	platformAt := func(attr string) *hcl.Range { return p.at(attr) }

	backend := ""
	if len(cfg.Backends) == 1 {
		backend = cfg.Backends[0].Name
	}
	ipv4 := cfg.Reseller != nil && cfg.Reseller.IPv4 != ""
	for _, t := range cfg.Tenants {
		te := &t.Effective
		te.Backend = t.Backend
		if te.Backend == "" {
			te.Backend = backend
		}
		te.MaxQuota = inherit(t.MaxQuota, &t.Node, "max_quota", Inherited[Size]{pe.MaxQuota, platformAt("quotas")})
		te.DefaultQuota = inherit(t.DefaultQuota, &t.Node, "default_quota", Inherited[Size]{pe.DefaultQuota, platformAt("default_quota")})
		te.DefaultSendLimit = inherit(t.DefaultSendLimit, &t.Node, "default_send_limit", Inherited[int]{pe.DefaultSendLimit, platformAt("default_send_limit")})
		te.Services = value(t.Services, AllServiceSet)
		te.Require2FA = value(t.Require2FA, false)
		te.PurgeDeletedMail = firstOf(t.PurgeDeletedMail, p.PurgeDeletedMail)
		te.AuthServers = withPort53(firstList(t.AuthServers, p.AuthServers))
		for _, d := range t.Domains {
			de := &d.Effective
			de.Branding = value(d.Branding, BrandingNone)
			mx := MXPlatform
			if ipv4 {
				mx = MXOwn
			}
			de.MX = value(d.MX, mx)
			de.DNSTTL = value(d.DNSTTL, DefaultDNSTTL)
			if d.MaxMailboxes != nil {
				de.MaxMailboxes = &Inherited[int]{*d.MaxMailboxes, d.at("max_mailboxes")}
			}
			de.MaxQuota = inherit(d.MaxQuota, &d.Node, "max_quota", te.MaxQuota)
			de.DefaultQuota = inherit(d.DefaultQuota, &d.Node, "default_quota", te.DefaultQuota)
			de.DefaultSendLimit = inherit(d.DefaultSendLimit, &d.Node, "default_send_limit", te.DefaultSendLimit)
			de.Services = value(d.Services, te.Services)
			de.Require2FA = value(d.Require2FA, te.Require2FA)
			de.PurgeDeletedMail = firstOf(d.PurgeDeletedMail, te.PurgeDeletedMail)
			de.AuthServers = firstList(withPort53(d.AuthServers), te.AuthServers)
			for _, m := range d.Mailboxes {
				me := &m.Effective
				me.Address = m.Name + "@" + d.Name
				me.Quota = inherit(m.Quota, &m.Node, "quota", de.DefaultQuota)
				me.SendLimit = inherit(m.SendLimit, &m.Node, "send_limit", de.DefaultSendLimit)
				me.Services = value(m.Services, de.Services) & de.Services
				me.Require2FA = de.Require2FA || value(m.Require2FA, false)
				me.Enabled = value(m.Enabled, true)
			}
		}
	}
}

func endpoint(e *Endpoint, host string, port int, sec Security) EndpointEffective {
	out := EndpointEffective{Host: host, Port: port, Security: sec}
	if e == nil {
		return out
	}
	if e.Host != "" {
		out.Host = e.Host
	}
	out.Port = value(e.Port, port)
	out.Security = value(e.Security, sec)
	return out
}

// value is *p, or def when p is nil.
func value[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// firstOf is the first of ps that is set, or nil.
func firstOf[T any](ps ...*T) *T {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}

// inherit is the value set on n's attribute, or the inherited one.
func inherit[T any](p *T, n *Node, attr string, up Inherited[T]) Inherited[T] {
	if p == nil {
		return up
	}
	return Inherited[T]{*p, n.at(attr)}
}

func orDefault[T any](s, def []T) []T {
	if len(s) == 0 {
		return append([]T(nil), def...)
	}
	return append([]T(nil), s...)
}

// pick is the configured value, else def when it is offered, else the
// smallest offered.
func pick[T Size | int](p *T, def T, offered []T) T {
	if p != nil {
		return *p
	}
	for _, o := range offered {
		if o == def {
			return def
		}
	}
	if len(offered) > 0 {
		return offered[0]
	}
	return def
}

func sortedUnique[T Size | int](s []T) []T {
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// firstList is the first list that is set.
func firstList(lists ...[]string) []string {
	for _, l := range lists {
		if l != nil {
			return l
		}
	}
	return nil
}

// withPort53 gives each server address a port, 53 when it has none.
func withPort53(servers []string) []string {
	if servers == nil {
		return nil
	}
	out := make([]string, len(servers))
	for i, s := range servers {
		out[i] = HostPort(s, "53")
	}
	return out
}

// HostPort is s as host:port, with the port def when s has none.
func HostPort(s, def string) string {
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s
	}
	return net.JoinHostPort(strings.Trim(s, "[]"), def)
}
