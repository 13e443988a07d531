package reconcile

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

// Diff compares what the config wants with what the providers hold and
// returns the plan. It is pure: it reads nothing but its arguments, so the
// same inputs give the same plan, byte for byte.
func Diff(cfg *schema.Config, want *Desired, live *Live) (*Plan, error) {
	p := &Plan{FormatVersion: FormatVersion, Changes: []*Change{}, LiveFingerprint: live.Fingerprint()}
	var errs []error
	names := map[string]bool{}
	for name := range want.Mail {
		names[name] = true
	}
	for name := range live.Mail {
		names[name] = true
	}
	for _, name := range sortedNames(names) {
		have := live.Mail[name]
		if have == nil {
			have = &mail.State{}
		}
		w := want.Mail[name]
		if w == nil {
			w = &mail.State{}
		}
		md := &mailDiff{cfg: cfg, backend: name, want: w, have: have, token: live.Token}
		md.run()
		p.Changes = append(p.Changes, md.changes...)
		p.Notes = append(p.Notes, md.notes...)
		errs = append(errs, md.errs...)
	}
	doms := MailDNS(cfg, live.Token, live.DKIMKey)
	dd := &dnsDiff{cfg: cfg, live: live}
	for _, d := range doms {
		dd.domain(d)
	}
	p.Changes = append(p.Changes, dd.changes...)
	errs = append(errs, dd.errs...)
	p.Notes = append(p.Notes, notesFor(cfg, doms, p.Changes)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sortChanges(p.Changes)
	sortNotes(p.Notes)
	p.Zones = zoneSummaries(cfg, live, p.Changes)
	return p, nil
}

// mailDiff compares one backend. It looks only at the tenants this config
// owns there, and reports a clash when the config wants what belongs to
// another owner or to no tenant.
type mailDiff struct {
	cfg     *schema.Config
	backend string
	want    *mail.State
	have    *mail.State
	token   func(string) string

	ours     map[string]bool   // tenants this config owns in the backend
	tenantOf map[string]string // domain → tenant, from the config and the backend
	changes  []*Change
	notes    []*Note
	errs     []error
}

func (m *mailDiff) clash(format string, args ...any) {
	m.errs = append(m.errs, fmt.Errorf("backend %q: "+format, append([]any{m.backend}, args...)...))
}

func (m *mailDiff) add(kind Kind, action Action, address, name string, before, after any, op *mail.Op) {
	c := &Change{Address: address, Kind: kind, Action: action, Name: name, Provider: m.backend, op: op}
	switch action {
	case Create:
		c.Fields = fields(nil, after)
	case Delete:
		c.Fields = fields(before, nil)
		c.Destroys = kind == KindTenant || kind == KindDomain || kind == KindMailbox
	default:
		c.Fields = fields(before, after)
	}
	m.changes = append(m.changes, c)
}

func (m *mailDiff) run() {
	m.ours = map[string]bool{}
	owners := map[string]string{}
	for _, t := range m.have.Tenants {
		owners[t.Name] = t.Owner
		if t.Owner == m.have.Owner {
			m.ours[t.Name] = true
		}
	}
	m.tenantOf = map[string]string{}
	haveDomains := map[string]*mail.Domain{}
	for _, d := range m.have.Domains {
		haveDomains[d.Name] = d
		if m.ours[d.Tenant] {
			m.tenantOf[d.Name] = d.Tenant
		}
	}
	for _, d := range m.want.Domains {
		m.tenantOf[d.Name] = d.Tenant
	}
	m.tenants(owners)
	m.domains(haveDomains)
	m.aliasDomains(haveDomains)
	m.dkimKeys()
	m.mailboxes()
	m.aliases()
	m.relayUsers()
}

func (m *mailDiff) tenantAddr(t string) string { return "tenant." + t }

func (m *mailDiff) domainAddr(d string) string {
	return m.tenantAddr(m.tenantOf[d]) + "/domain." + d
}

// objectAddr is the address of an object of a domain: mailbox.info,
// alias.sales, postmaster.
func (m *mailDiff) objectAddr(kind, address string) string {
	local, domain, _ := strings.Cut(address, "@")
	if kind == "mailbox" && local == "postmaster" {
		return m.domainAddr(domain) + "/postmaster"
	}
	return m.domainAddr(domain) + "/" + kind + "." + local
}

func (m *mailDiff) tenants(owners map[string]string) {
	have := map[string]*mail.Tenant{}
	for _, t := range m.have.Tenants {
		if m.ours[t.Name] {
			have[t.Name] = t
		}
	}
	seen := map[string]bool{}
	for _, t := range m.want.Tenants {
		seen[t.Name] = true
		if owner, exists := owners[t.Name]; exists && !m.ours[t.Name] {
			m.clash("tenant %q exists there and belongs to owner %q; give this config that backend owner, or rename the tenant", t.Name, owner)
			continue
		}
		switch h := have[t.Name]; {
		case h == nil:
			m.add(KindTenant, Create, m.tenantAddr(t.Name), t.Name, nil, t, &mail.Op{Action: mail.Create, Tenant: t})
		case len(fields(h, t)) > 0:
			m.add(KindTenant, Update, m.tenantAddr(t.Name), t.Name, h, t, &mail.Op{Action: mail.Update, Tenant: t})
		}
	}
	for _, h := range m.have.Tenants {
		if m.ours[h.Name] && !seen[h.Name] {
			m.add(KindTenant, Delete, m.tenantAddr(h.Name), h.Name, h, nil, &mail.Op{Action: mail.Delete, Tenant: h})
		}
	}
}

func (m *mailDiff) domains(have map[string]*mail.Domain) {
	seen := map[string]bool{}
	for _, d := range m.want.Domains {
		seen[d.Name] = true
		d.VerificationToken = m.token(d.Name)
		h := have[d.Name]
		if h != nil && !m.ours[h.Tenant] {
			who := "is not managed by mailform"
			if h.Tenant != "" {
				who = fmt.Sprintf("belongs to tenant %q of another owner", h.Tenant)
			}
			m.clash("domain %s exists there and %s; it cannot be taken over", d.Name, who)
			continue
		}
		switch {
		case h == nil:
			m.add(KindDomain, Create, m.domainAddr(d.Name), d.Name, nil, d, &mail.Op{Action: mail.Create, Domain: d})
		case len(fields(h, d)) > 0:
			m.add(KindDomain, Update, m.domainAddr(d.Name), d.Name, h, d, &mail.Op{Action: mail.Update, Domain: d})
		}
	}
	for _, h := range m.have.Domains {
		if m.ours[h.Tenant] && !seen[h.Name] {
			m.add(KindDomain, Delete, m.domainAddr(h.Name), h.Name, h, nil, &mail.Op{Action: mail.Delete, Domain: h})
		}
	}
}

// inScope reports whether a domain is one this config manages here.
func (m *mailDiff) inScope(domain string) bool {
	_, ok := m.tenantOf[domain]
	return ok
}

func (m *mailDiff) aliasDomains(haveDomains map[string]*mail.Domain) {
	have := map[string]*mail.AliasDomain{}
	for _, a := range m.have.AliasDomains {
		have[a.Name] = a
	}
	seen := map[string]bool{}
	for _, a := range m.want.AliasDomains {
		seen[a.Name] = true
		a.VerificationToken = m.token(a.Name)
		addr := m.domainAddr(a.Target) + "/alias_domain." + a.Name
		h := have[a.Name]
		if h != nil && !m.inScope(h.Target) {
			m.clash("alias domain %s exists there for %s, which this config does not manage", a.Name, h.Target)
			continue
		}
		if d := haveDomains[a.Name]; d != nil {
			m.clash("alias domain %s exists there as a real domain", a.Name)
			continue
		}
		switch {
		case h == nil:
			m.add(KindAliasDomain, Create, addr, a.Name, nil, a, &mail.Op{Action: mail.Create, AliasDomain: a})
		case len(fields(h, a)) > 0:
			m.add(KindAliasDomain, Update, addr, a.Name, h, a, &mail.Op{Action: mail.Update, AliasDomain: a})
		}
	}
	for _, h := range m.have.AliasDomains {
		if m.inScope(h.Target) && !seen[h.Name] {
			m.add(KindAliasDomain, Delete, m.domainAddr(h.Target)+"/alias_domain."+h.Name, h.Name, h, nil, &mail.Op{Action: mail.Delete, AliasDomain: h})
		}
	}
}

func (m *mailDiff) mailboxes() {
	have := map[string]*mail.Mailbox{}
	for _, mb := range m.have.Mailboxes {
		have[mb.Address] = mb
	}
	seen := map[string]bool{}
	for _, mb := range m.want.Mailboxes {
		seen[mb.Address] = true
		h := have[mb.Address]
		if h != nil && mb.Password.Matches(h.Password) {
			mb.Password = h.Password // unchanged: keep the stored hash
		}
		switch {
		case h == nil:
			m.add(KindMailbox, Create, m.objectAddr("mailbox", mb.Address), mb.Address, nil, mb, &mail.Op{Action: mail.Create, Mailbox: mb})
		case len(fields(h, mb)) > 0:
			m.add(KindMailbox, Update, m.objectAddr("mailbox", mb.Address), mb.Address, h, mb, &mail.Op{Action: mail.Update, Mailbox: mb})
		}
	}
	for _, h := range m.have.Mailboxes {
		if _, domain, _ := strings.Cut(h.Address, "@"); m.inScope(domain) && !seen[h.Address] {
			m.add(KindMailbox, Delete, m.objectAddr("mailbox", h.Address), h.Address, h, nil, &mail.Op{Action: mail.Delete, Mailbox: h})
		}
	}
}

func (m *mailDiff) aliases() {
	have := map[string]*mail.Alias{}
	for _, a := range m.have.Aliases {
		have[a.Address] = a
	}
	seen := map[string]bool{}
	for _, a := range m.want.Aliases {
		seen[a.Address] = true
		switch h := have[a.Address]; {
		case h == nil:
			m.add(KindAlias, Create, m.objectAddr("alias", a.Address), a.Address, nil, a, &mail.Op{Action: mail.Create, Alias: a})
		case len(fields(h, a)) > 0:
			m.add(KindAlias, Update, m.objectAddr("alias", a.Address), a.Address, h, a, &mail.Op{Action: mail.Update, Alias: a})
		}
	}
	for _, h := range m.have.Aliases {
		if _, domain, _ := strings.Cut(h.Address, "@"); m.inScope(domain) && !seen[h.Address] {
			m.add(KindAlias, Delete, m.objectAddr("alias", h.Address), h.Address, h, nil, &mail.Op{Action: mail.Delete, Alias: h})
		}
	}
}

func (m *mailDiff) relayUsers() {
	have := map[string]*mail.RelayUser{}
	for _, u := range m.have.RelayUsers {
		have[u.Name] = u
	}
	seen := map[string]bool{}
	for _, u := range m.want.RelayUsers {
		seen[u.Name] = true
		addr := m.tenantAddr(u.Tenant) + "/relay_user." + u.Name
		h := have[u.Name]
		if h != nil && !m.ours[h.Tenant] {
			m.clash("relay user %q exists there for tenant %q, which this config does not manage", u.Name, h.Tenant)
			continue
		}
		if h != nil && u.Password.Matches(h.Password) {
			u.Password = h.Password
		}
		switch {
		case h == nil:
			m.add(KindRelayUser, Create, addr, u.Name, nil, u, &mail.Op{Action: mail.Create, RelayUser: u})
		case len(fields(h, u)) > 0:
			m.add(KindRelayUser, Update, addr, u.Name, h, u, &mail.Op{Action: mail.Update, RelayUser: u})
		}
	}
	for _, h := range m.have.RelayUsers {
		if m.ours[h.Tenant] && !seen[h.Name] {
			m.add(KindRelayUser, Delete, m.tenantAddr(h.Tenant)+"/relay_user."+h.Name, h.Name, h, nil, &mail.Op{Action: mail.Delete, RelayUser: h})
		}
	}
}

// dkimKeys keeps a key for the active selector of every domain (made at
// apply when missing) and for its previous selectors while the config
// lists them; the active one signs.
func (m *mailDiff) dkimKeys() {
	have := map[string]*mail.DKIMKey{}
	for _, k := range m.have.DKIMKeys {
		have[k.Selector+"._domainkey."+k.Domain] = k
	}
	seen := map[string]bool{}
	for _, t := range m.cfg.Tenants {
		if BackendOf(t) != m.backend {
			continue
		}
		for _, d := range t.Domains {
			for i, sel := range dkimSelectors(d) {
				key := sel + "._domainkey." + d.Name
				seen[key] = true
				addr := m.domainAddr(d.Name) + "/dkim." + sel
				h := have[key]
				switch {
				case h == nil && i == 0:
					k := &mail.DKIMKey{Domain: d.Name, Selector: sel, Algorithm: dkimAlgorithm(d), Bits: dkimBits(d), Active: true}
					m.add(KindDKIMKey, Create, addr, key, nil, k, &mail.Op{Action: mail.Create, DKIMKey: k})
				case h == nil:
					m.notes = append(m.notes, &Note{Address: addr, Kind: "dkim",
						Text: fmt.Sprintf("Previous DKIM selector %s has no key in backend %q, so there is nothing to publish for it; drop it from previous_selectors.", sel, m.backend)})
				case h.Active != (i == 0):
					k := *h
					k.Active = i == 0
					m.add(KindDKIMKey, Update, addr, key, h, &k, &mail.Op{Action: mail.Update, DKIMKey: &k})
				}
			}
		}
	}
	for key, h := range have {
		if m.inScope(h.Domain) && !seen[key] {
			m.add(KindDKIMKey, Delete, m.domainAddr(h.Domain)+"/dkim."+h.Selector, key, h, nil, &mail.Op{Action: mail.Delete, DKIMKey: h})
		}
	}
}
