package schema

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// normalize puts every name in its canonical form: domain names and local
// parts in lower case, alias domains in ASCII (punycode) with their Unicode
// form kept for display. A name written with capitals is accepted with a
// warning; a name that is not valid is an error.
func (c *checker) normalize() {
	cfg := c.cfg
	for _, t := range cfg.Tenants {
		t.Name = c.lower(t.Name, t.NameRange, "tenant name")
		if !isIdentifier(t.Name) {
			c.errorf(t.NameRange, "A tenant name is lower-case letters, digits, '-', '_' and '.', starting with a letter or digit, such as acme.", "%q is not a valid tenant name", t.Name)
		}
		for _, m := range t.Managers {
			m.Address = c.addr(m.Address, m.NameRange, "manager")
		}
		for _, d := range t.Domains {
			c.normalizeDomain(d)
		}
		for _, r := range t.RelayUsers {
			r.Name = c.lower(r.Name, r.NameRange, "relay user name")
			if !isIdentifier(r.Name) {
				c.errorf(r.NameRange, "A relay user name is lower-case letters, digits, '-', '_' and '.', such as newsletter.", "%q is not a valid relay user name", r.Name)
			}
		}
	}
}

func (c *checker) normalizeDomain(d *Domain) {
	if ascii, _, p := domainName(d.Name, false); p != nil {
		c.problem(d.NameRange, p)
	} else {
		c.lowerNote(d.Name, ascii, d.NameRange, "domain name")
		d.Name = ascii
	}
	for _, a := range d.AliasDomains {
		ascii, unicode, p := domainName(a.Name, true)
		if p != nil {
			c.problem(a.NameRange, p)
			continue
		}
		if !isIDN(a.Name) {
			c.lowerNote(a.Name, ascii, a.NameRange, "alias domain name")
		}
		a.Name, a.Unicode = ascii, unicode
	}
	for _, m := range d.Mailboxes {
		if p := localPart(m.Name); p != nil {
			c.problem(m.NameRange, p)
			continue
		}
		m.Name = c.lower(m.Name, m.NameRange, "mailbox name")
	}
	for _, a := range d.Aliases {
		if p := localPart(a.Name); p != nil {
			c.problem(a.NameRange, p)
			continue
		}
		a.Name = c.lower(a.Name, a.NameRange, "alias name")
	}
}

// lower returns s in lower case, warning when that changed it.
func (c *checker) lower(s string, rng hcl.Range, what string) string {
	l := strings.ToLower(s)
	c.lowerNote(s, l, rng, what)
	return l
}

func (c *checker) lowerNote(was, now string, rng hcl.Range, what string) {
	if was != now && strings.ToLower(was) == now {
		c.warnf(rng, "mailform uses names in lower case; write it that way to silence this warning.", "%s %q normalised to %q", what, was, now)
	}
}

// addr canonicalises an address, reporting it when it is not one.
func (c *checker) addr(s string, rng hcl.Range, what string) string {
	a, p := address(s)
	if p != nil {
		c.errorf(rng, p.detail, "%s %s", what, p.summary)
		return s
	}
	return a
}
