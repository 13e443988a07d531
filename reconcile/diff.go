package reconcile

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

// Diff compares what the config wants with what the providers hold and
// returns the plan. It is pure: it reads nothing but its arguments, so the
// same inputs give the same plan, byte for byte.
func Diff(cfg *schema.Config, want *Desired, live *Live) (*Plan, error) {
	// The backends and the zones are compared at once: they share only
	// what they read.
	var wg sync.WaitGroup
	p := &Plan{FormatVersion: FormatVersion, Changes: []*Change{}}
	names := map[string]bool{}
	for name := range want.Mail {
		names[name] = true
	}
	for name := range live.Mail {
		names[name] = true
	}
	var mds []*mailDiff
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
		mds = append(mds, md)
		wg.Add(1)
		go func() {
			defer wg.Done()
			md.run()
		}()
	}
	// Each domain's records are compared as they are made, and kept only
	// where the notes show them (a domain whose DNS mailform does not
	// manage): the records of ten thousand domains need not all be held.
	var doms []*DomainDNS
	dd := &dnsDiff{cfg: cfg, live: live}
	eachMailDNS(cfg, live.Token, live, func(group []*DomainDNS) {
		for _, d := range group {
			dd.domain(d)
		}
		for _, d := range group {
			if d.Provider != "" {
				d.Records = nil
			}
		}
		doms = append(doms, group...)
	})
	wg.Wait()
	var errs []error
	for _, md := range mds {
		p.Changes = append(p.Changes, md.changes...)
		p.Notes = append(p.Notes, md.notes...)
		errs = append(errs, md.errs...)
	}
	p.Changes = append(p.Changes, dd.changes...)
	errs = append(errs, dd.errs...)
	p.Notes = append(p.Notes, notesFor(cfg, doms, p.Changes)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sortChanges(p.Changes)
	p.Proofs = proofs(cfg, live, doms, p.Changes)
	p.DKIM = dkimProofs(cfg, live, doms, p.Changes)
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
	c := &Change{Address: address, Kind: kind, Action: action, Name: name, Provider: m.backend, op: op, before: before, after: after}
	c.Destroys = action == Delete && (kind == KindTenant || kind == KindDomain || kind == KindMailbox)
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
	for _, d := range m.want.Domains {
		d.VerificationToken = m.token(d.Name)
	}
	for _, a := range m.want.AliasDomains {
		a.VerificationToken = m.token(a.Name)
	}
	keepPassword := func(want, have *mail.Password) {
		if want.Matches(*have) {
			*want = *have // unchanged: keep the stored hash
		}
	}
	domainOf := func(address string) string { _, d, _ := strings.Cut(address, "@"); return d }

	compare(m, kindSpec[mail.Tenant]{
		kind: KindTenant,
		key:  func(t *mail.Tenant) string { return t.Name },
		addr: func(t *mail.Tenant) string { return m.tenantAddr(t.Name) },
		ours: func(t *mail.Tenant) bool { return m.ours[t.Name] },
		clash: func(w, h *mail.Tenant) bool {
			if h != nil && !m.ours[h.Name] {
				m.clash("tenant %q exists there and belongs to owner %q; give this config that backend owner, or rename the tenant", w.Name, owners[h.Name])
				return true
			}
			return false
		},
		op: func(a mail.Action, t *mail.Tenant) *mail.Op { return &mail.Op{Action: a, Tenant: t} },
	}, m.want.Tenants, m.have.Tenants)

	compare(m, kindSpec[mail.Domain]{
		kind: KindDomain,
		key:  func(d *mail.Domain) string { return d.Name },
		addr: func(d *mail.Domain) string { return m.domainAddr(d.Name) },
		ours: func(d *mail.Domain) bool { return m.ours[d.Tenant] },
		clash: func(w, h *mail.Domain) bool {
			if h == nil || m.ours[h.Tenant] {
				return false
			}
			who := "is not managed by mailform"
			if h.Tenant != "" {
				who = fmt.Sprintf("belongs to tenant %q of another owner", h.Tenant)
			}
			m.clash("domain %s exists there and %s; it cannot be taken over", w.Name, who)
			return true
		},
		op: func(a mail.Action, d *mail.Domain) *mail.Op { return &mail.Op{Action: a, Domain: d} },
	}, m.want.Domains, m.have.Domains)

	compare(m, kindSpec[mail.AliasDomain]{
		kind: KindAliasDomain,
		key:  func(a *mail.AliasDomain) string { return a.Name },
		addr: func(a *mail.AliasDomain) string { return m.domainAddr(a.Target) + "/alias_domain." + a.Name },
		ours: func(a *mail.AliasDomain) bool { return m.inScope(a.Target) },
		clash: func(w, h *mail.AliasDomain) bool {
			switch {
			case h != nil && !m.inScope(h.Target):
				m.clash("alias domain %s exists there for %s, which this config does not manage", w.Name, h.Target)
			case haveDomains[w.Name] != nil:
				m.clash("alias domain %s exists there as a real domain", w.Name)
			default:
				return false
			}
			return true
		},
		op: func(a mail.Action, x *mail.AliasDomain) *mail.Op { return &mail.Op{Action: a, AliasDomain: x} },
	}, m.want.AliasDomains, m.have.AliasDomains)

	m.dkimKeys()

	compare(m, kindSpec[mail.Mailbox]{
		kind:     KindMailbox,
		key:      func(x *mail.Mailbox) string { return x.Address },
		addr:     func(x *mail.Mailbox) string { return m.objectAddr("mailbox", x.Address) },
		ours:     func(x *mail.Mailbox) bool { return m.inScope(domainOf(x.Address)) },
		keep:     func(w, h *mail.Mailbox) { keepPassword(&w.Password, &h.Password) },
		previous: func(x *mail.Mailbox) string { return x.Previous },
		moved:    func(w *mail.Mailbox, from string) { w.MovedFrom = from },
		op:       func(a mail.Action, x *mail.Mailbox) *mail.Op { return &mail.Op{Action: a, Mailbox: x} },
	}, m.want.Mailboxes, m.have.Mailboxes)
	m.purges()

	compare(m, kindSpec[mail.Alias]{
		kind: KindAlias,
		key:  func(x *mail.Alias) string { return x.Address },
		addr: func(x *mail.Alias) string { return m.objectAddr("alias", x.Address) },
		ours: func(x *mail.Alias) bool { return m.inScope(domainOf(x.Address)) },
		op:   func(a mail.Action, x *mail.Alias) *mail.Op { return &mail.Op{Action: a, Alias: x} },
	}, m.want.Aliases, m.have.Aliases)

	compare(m, kindSpec[mail.RelayUser]{
		kind: KindRelayUser,
		key:  func(u *mail.RelayUser) string { return u.Name },
		addr: func(u *mail.RelayUser) string { return m.tenantAddr(u.Tenant) + "/relay_user." + u.Name },
		ours: func(u *mail.RelayUser) bool { return m.ours[u.Tenant] },
		clash: func(w, h *mail.RelayUser) bool {
			if h != nil && !m.ours[h.Tenant] {
				m.clash("relay user %q exists there for tenant %q, which this config does not manage", w.Name, h.Tenant)
				return true
			}
			return false
		},
		keep: func(w, h *mail.RelayUser) { keepPassword(&w.Password, &h.Password) },
		op:   func(a mail.Action, u *mail.RelayUser) *mail.Op { return &mail.Op{Action: a, RelayUser: u} },
	}, m.want.RelayUsers, m.have.RelayUsers)
}

// purges marks the deleted mailboxes whose mail is to be purged, as their
// domain says: the config's domain, or the live one when the config drops
// the domain too.
func (m *mailDiff) purges() {
	policy := map[string]string{}
	for _, d := range m.have.Domains {
		policy[d.Name] = d.PurgeDeletedMail
	}
	for _, d := range m.want.Domains {
		policy[d.Name] = d.PurgeDeletedMail
	}
	for _, c := range m.changes {
		if c.Kind == KindMailbox && c.Action == Delete {
			_, domain, _ := strings.Cut(c.op.Mailbox.Address, "@")
			c.PurgeAfter = policy[domain]
			c.op.Mailbox.PurgeAfter = c.PurgeAfter
		}
	}
}

// kindSpec says how the objects of one kind are told apart, placed in the
// plan, checked against what the config may take over, and written.
type kindSpec[T any] struct {
	kind  Kind
	key   func(*T) string
	addr  func(*T) string
	ours  func(*T) bool            // a live object this config manages, so may delete
	clash func(want, have *T) bool // reports a live object the config may not take over (have may be nil)
	keep  func(want, have *T)      // carries over what is the same but stored differently
	op    func(mail.Action, *T) *mail.Op
	// previous is the key an object had before a rename, and moved
	// records that the live object under it becomes this one.
	previous func(*T) string
	moved    func(want *T, from string)
}

// compare diffs the wanted and live objects of one kind: creates, updates
// and, for live objects this config manages and no longer wants, deletes.
// Live objects are found by key in one map; a live object something wanted
// is marked in a list beside it, so that the wanted keys need a map of
// their own only for a rename, which is rare.
func compare[T any](m *mailDiff, s kindSpec[T], want, have []*T) {
	live := make(map[string]int, len(have))
	for i, h := range have {
		live[s.key(h)] = i
	}
	taken := make([]bool, len(have)) // wanted, or the old self of a renamed object
	var wanted map[string]bool
	isWanted := func(k string) bool {
		if wanted == nil {
			wanted = make(map[string]bool, len(want))
			for _, w := range want {
				wanted[s.key(w)] = true
			}
		}
		return wanted[k]
	}
	for _, w := range want {
		k := s.key(w)
		var h *T
		if i, ok := live[k]; ok {
			h, taken[i] = have[i], true
		}
		if s.clash != nil && s.clash(w, h) {
			continue
		}
		if h == nil && s.previous != nil {
			// Renamed: the live object under the old key, which nothing
			// else wants and this config manages, becomes this one.
			if p := s.previous(w); p != "" {
				if i, ok := live[p]; ok && !taken[i] && !isWanted(p) && s.ours(have[i]) {
					h, taken[i] = have[i], true
					s.moved(w, p)
				}
			}
		}
		if h != nil && s.keep != nil {
			s.keep(w, h)
		}
		switch {
		case h == nil:
			m.add(s.kind, Create, s.addr(w), k, nil, w, s.op(mail.Create, w))
		case differs(h, w):
			m.add(s.kind, Update, s.addr(w), k, h, w, s.op(mail.Update, w))
		}
	}
	for i, h := range have {
		if !taken[i] && s.ours(h) {
			m.add(s.kind, Delete, s.addr(h), s.key(h), h, nil, s.op(mail.Delete, h))
		}
	}
}

// inScope reports whether a domain is one this config manages here.
func (m *mailDiff) inScope(domain string) bool {
	_, ok := m.tenantOf[domain]
	return ok
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
				case i == 0 && !keyFits(h, d):
					// A key of another type or size under the same selector:
					// a new key replaces it, and its DNS record follows.
					k := &mail.DKIMKey{Domain: d.Name, Selector: sel, Algorithm: dkimAlgorithm(d), Bits: dkimBits(d), Active: true}
					m.add(KindDKIMKey, Replace, addr, key, h, k, &mail.Op{Action: mail.Create, DKIMKey: k})
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
		if !m.inScope(h.Domain) || seen[key] {
			continue
		}
		addr := m.domainAddr(h.Domain) + "/dkim." + h.Selector
		if h.Active {
			// It signs: it stops once the key that takes over is published
			// everywhere, and goes, with its record, in the apply after.
			k := *h
			k.Active = false
			m.add(KindDKIMKey, Update, addr, key, h, &k, &mail.Op{Action: mail.Update, DKIMKey: &k})
			m.notes = append(m.notes, &Note{Address: addr, Kind: "dkim",
				Text: fmt.Sprintf("DKIM selector %s leaves the config while its key signs: it stops signing in this apply, once the new key is published, and its key and record go in the next one. To keep its record published for mail still on its way, list it in previous_selectors.", h.Selector)})
			continue
		}
		m.add(KindDKIMKey, Delete, addr, key, h, nil, &mail.Op{Action: mail.Delete, DKIMKey: h})
	}
}
