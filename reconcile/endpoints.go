package reconcile

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/mailform/mailform/schema"
)

// Endpoint is how a mail client reaches one service.
type Endpoint struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Security string `json:"security"` // tls, starttls or none
}

// ClientSettings is what a customer types into a mail client for a domain,
// in the domain's branding mode (DOMAIN.md, seed 000).
type ClientSettings struct {
	Domain   string    `json:"domain"`
	Branding string    `json:"branding"`
	Username string    `json:"username"`
	Password string    `json:"password"`
	Webmail  string    `json:"webmail,omitempty"` // empty when webmail is off for the domain
	IMAP     *Endpoint `json:"imap,omitempty"`    // nil when the service is off for the domain
	POP3     *Endpoint `json:"pop3,omitempty"`
	SMTP     *Endpoint `json:"smtp,omitempty"`
	// Certificates lists the host names that need a TLS certificate for
	// these settings to work without warnings.
	Certificates []string `json:"certificates,omitempty"`
}

// Hosts are the names a domain's clients use, by branding mode.
type Hosts struct {
	IMAP, POP3, SMTP string
	Webmail          string // a URL
	Certificates     []string
}

// HostsOf gives the names a domain's clients use.
func HostsOf(cfg *schema.Config, d *schema.Domain) Hosts {
	p := cfg.Platform.Effective
	// The same webmail serves every branding (DOMAIN.md: only the names
	// differ), so a branded URL keeps the platform's port.
	port := ""
	if u, err := url.Parse(cfg.Platform.WebmailURL); err == nil && u.Port() != "" {
		port = ":" + u.Port()
	}
	switch d.Effective.Branding {
	case schema.BrandingReseller:
		brand := ""
		if cfg.Reseller != nil {
			brand = cfg.Reseller.BrandDomain
		}
		return Hosts{IMAP: "mail." + brand, POP3: "mail." + brand, SMTP: "mail." + brand, Webmail: "https://webmail." + brand + port,
			Certificates: []string{"mail." + brand, "webmail." + brand}}
	case schema.BrandingCustomer:
		return Hosts{IMAP: "mail." + d.Name, POP3: "mail." + d.Name, SMTP: "mail." + d.Name, Webmail: "https://webmail." + d.Name + port,
			Certificates: []string{"mail." + d.Name, "webmail." + d.Name}}
	}
	return Hosts{IMAP: p.IMAP.Host, POP3: p.POP3.Host, SMTP: p.Submission.Host, Webmail: cfg.Platform.WebmailURL}
}

// webmailHost is the host name of a webmail URL.
func webmailHost(u string) string {
	host, _ := WebmailAddr(u)
	return host
}

// WebmailAddr is the host name and port of a webmail URL.
func WebmailAddr(u string) (string, int) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", 0
	}
	port := 443
	if parsed.Scheme == "http" {
		port = 80
	}
	if p := parsed.Port(); p != "" {
		if n, err := strconv.Atoi(p); err == nil {
			port = n
		}
	}
	return parsed.Hostname(), port
}

// Settings returns the client settings of a domain, or of the real domain
// behind an alias domain: the username is always the full address on the
// real domain, never an alias.
func Settings(cfg *schema.Config, name string) (*ClientSettings, error) {
	d, _, err := findDomain(cfg, name)
	if err != nil {
		return nil, err
	}
	p := cfg.Platform.Effective
	h := HostsOf(cfg, d)
	svc := d.Effective.Services
	s := &ClientSettings{
		Domain:       d.Name,
		Branding:     string(d.Effective.Branding),
		Username:     "the full address, such as info@" + d.Name + " (never an alias)",
		Password:     "the mailbox's own password",
		Certificates: h.Certificates,
	}
	if svc.Has(schema.Webmail) {
		s.Webmail = h.Webmail
	}
	if svc.Has(schema.IMAP) {
		s.IMAP = &Endpoint{h.IMAP, p.IMAP.Port, string(p.IMAP.Security)}
	}
	if svc.Has(schema.POP3) {
		s.POP3 = &Endpoint{h.POP3, p.POP3.Port, string(p.POP3.Security)}
	}
	if svc.Has(schema.SMTP) {
		s.SMTP = &Endpoint{h.SMTP, p.Submission.Port, string(p.Submission.Security)}
	}
	return s, nil
}

// findDomain finds a real domain by name, or the real domain of an alias
// domain, accepting Unicode and any case.
func findDomain(cfg *schema.Config, name string) (*schema.Domain, *schema.Tenant, error) {
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	if ascii, err := schema.CanonicalDomain(n); err == nil {
		n = ascii
	}
	var names []string
	for _, t := range cfg.Tenants {
		for _, d := range t.Domains {
			if d.Name == n {
				return d, t, nil
			}
			for _, a := range d.AliasDomains {
				if a.Name == n {
					return d, t, nil
				}
			}
			names = append(names, d.Name)
		}
	}
	return nil, nil, fmt.Errorf("domain %s is not in the config (it has %s)", name, strings.Join(names, ", "))
}

// Text writes client settings for a person.
func (s *ClientSettings) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Mail client settings for %s (branding: %s)\n\n", s.Domain, s.Branding)
	fmt.Fprintf(&b, "  Username:  %s\n  Password:  %s\n", s.Username, s.Password)
	line := func(name string, e *Endpoint, what string) {
		if e == nil {
			fmt.Fprintf(&b, "  %-9s  not available for this domain\n", name+":")
			return
		}
		fmt.Fprintf(&b, "  %-9s  %s, port %d, %s, %s\n", name+":", e.Host, e.Port, securityText(e.Security), what)
	}
	line("IMAP", s.IMAP, "password authentication")
	line("POP3", s.POP3, "password authentication")
	line("SMTP", s.SMTP, "authentication required")
	if s.Webmail != "" {
		fmt.Fprintf(&b, "  Webmail:   %s\n", s.Webmail)
	} else {
		fmt.Fprintf(&b, "  Webmail:   not available for this domain\n")
	}
	if len(s.Certificates) > 0 {
		fmt.Fprintf(&b, "\nThese names need a valid TLS certificate: %s.\n", strings.Join(s.Certificates, ", "))
	}
	return b.String()
}

func securityText(s string) string {
	switch s {
	case "tls":
		return "SSL/TLS"
	case "starttls":
		return "STARTTLS"
	}
	return "no encryption"
}
