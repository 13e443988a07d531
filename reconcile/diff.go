package reconcile

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/reconcile/plan"
	"github.com/mailform/mailform/schema"
)

// Diff compares what the config wants with what the providers hold and
// returns the plan. It is pure: it reads nothing but its arguments, so the
// same inputs give the same plan, byte for byte.
func Diff(cfg *schema.Config, want *Desired, live *Live) (*plan.Plan, error) {
	// The backends and the zones are compared at once: they share only
	// what they read.
	var wg sync.WaitGroup
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Changes: []*plan.Change{}}
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
	dd := &dnsDiff{cfg: cfg, live: live, thresholds: map[string]int{}}
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
	plan.Sort(p.Changes)
	p.Proofs = proofs(cfg, live, doms, p.Changes)
	p.DKIM = dkimProofs(cfg, live, doms, p.Changes)
	plan.SortNotes(p.Notes)
	p.Zones = zoneSummaries(cfg, live, p.Changes, dd.thresholds)
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

	ours        map[string]bool         // tenants this config owns in the backend
	owners      map[string]string       // tenant → its owner, as the backend has it
	haveDomains map[string]*mail.Domain // the backend's domains, by name
	tenantOf    map[string]string       // domain → tenant, from the config and the backend
	changes     []*plan.Change
	notes       []*plan.Note
	errs        []error
}

func (m *mailDiff) clash(format string, args ...any) {
	m.errs = append(m.errs, fmt.Errorf("backend %q: "+format, append([]any{m.backend}, args...)...))
}

func (m *mailDiff) add(kind plan.Kind, action plan.Action, address, name string, before, after any) {
	c := &plan.Change{Address: address, Kind: kind, Action: action, Name: name, Provider: m.backend, Before: before, After: after}
	c.Destroys = action == plan.Delete && (kind == plan.KindTenant || kind == plan.KindDomain || kind == plan.KindMailbox)
	m.changes = append(m.changes, c)
}

// run compares the backend's objects kind by kind, parents first. The
// wanted objects are the caller's: what the diff settles for them is
// written into copies.
func (m *mailDiff) run() {
	m.index()
	m.tenants()
	m.domains()
	m.aliasDomains()
	m.dkimKeys()
	m.mailboxes()
	m.purges()
	m.aliases()
	m.relayUsers()
}

// index notes the tenants this config owns in the backend, their live
// owners, the live domains, and the tenant of every domain in scope.
func (m *mailDiff) index() {
	m.ours = map[string]bool{}
	m.owners = map[string]string{}
	for _, t := range m.have.Tenants {
		m.owners[t.Name] = t.Owner
		if t.Owner == m.have.Owner {
			m.ours[t.Name] = true
		}
	}
	m.tenantOf = map[string]string{}
	m.haveDomains = map[string]*mail.Domain{}
	for _, d := range m.have.Domains {
		m.haveDomains[d.Name] = d
		if m.ours[d.Tenant] {
			m.tenantOf[d.Name] = d.Tenant
		}
	}
	for _, d := range m.want.Domains {
		m.tenantOf[d.Name] = d.Tenant
	}
}

// tenants compares the tenants; one of another owner is a clash.
func (m *mailDiff) tenants() {
	compare(m, kindSpec[mail.Tenant]{
		kind: plan.KindTenant,
		key:  func(t *mail.Tenant) string { return t.Name },
		addr: func(t *mail.Tenant) string { return m.tenantAddr(t.Name) },
		ours: func(t *mail.Tenant) bool { return m.ours[t.Name] },
		clash: func(w, h *mail.Tenant) bool {
			if h != nil && !m.ours[h.Name] {
				m.clash("tenant %q exists there and belongs to owner %q; give this config that backend owner, or rename the tenant", w.Name, m.owners[h.Name])
				return true
			}
			return false
		},
	}, m.want.Tenants, m.have.Tenants)
}

// domains compares the domains; one that exists outside this config is a clash.
func (m *mailDiff) domains() {
	compare(m, kindSpec[mail.Domain]{
		kind: plan.KindDomain,
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
		settle: func(w, _ *mail.Domain) *mail.Domain {
			d := *w
			d.VerificationToken = m.token(w.Name)
			return &d
		},
	}, m.want.Domains, m.have.Domains)
}

// aliasDomains compares the alias domains.
func (m *mailDiff) aliasDomains() {
	compare(m, kindSpec[mail.AliasDomain]{
		kind: plan.KindAliasDomain,
		key:  func(a *mail.AliasDomain) string { return a.Name },
		addr: func(a *mail.AliasDomain) string { return m.domainAddr(a.Target) + "/alias_domain." + a.Name },
		ours: func(a *mail.AliasDomain) bool { return m.inScope(a.Target) },
		clash: func(w, h *mail.AliasDomain) bool {
			switch {
			case h != nil && !m.inScope(h.Target):
				m.clash("alias domain %s exists there for %s, which this config does not manage", w.Name, h.Target)
			case m.haveDomains[w.Name] != nil:
				m.clash("alias domain %s exists there as a real domain", w.Name)
			default:
				return false
			}
			return true
		},
		settle: func(w, _ *mail.AliasDomain) *mail.AliasDomain {
			a := *w
			a.VerificationToken = m.token(w.Name)
			return &a
		},
	}, m.want.AliasDomains, m.have.AliasDomains)
}

// mailboxes compares the mailboxes, following renames.
func (m *mailDiff) mailboxes() {
	compare(m, kindSpec[mail.Mailbox]{
		kind: plan.KindMailbox,
		key:  func(x *mail.Mailbox) string { return x.Address },
		addr: func(x *mail.Mailbox) string { return m.objectAddr("mailbox", x.Address) },
		ours: func(x *mail.Mailbox) bool { return m.inScope(domainPart(x.Address)) },
		settle: func(w, h *mail.Mailbox) *mail.Mailbox {
			if h == nil || !keepPassword(w.Password, h.Password) {
				return w
			}
			x := *w
			x.Password = h.Password
			return &x
		},
		previous: func(x *mail.Mailbox) string { return x.Previous },
		moved: func(w *mail.Mailbox, from string) *mail.Mailbox {
			x := *w
			x.MovedFrom = from
			return &x
		},
	}, m.want.Mailboxes, m.have.Mailboxes)
	m.purges()
}

// aliases compares the aliases.
func (m *mailDiff) aliases() {
	compare(m, kindSpec[mail.Alias]{
		kind: plan.KindAlias,
		key:  func(x *mail.Alias) string { return x.Address },
		addr: func(x *mail.Alias) string { return m.objectAddr("alias", x.Address) },
		ours: func(x *mail.Alias) bool { return m.inScope(domainPart(x.Address)) },
	}, m.want.Aliases, m.have.Aliases)
}

// relayUsers compares the relay users.
func (m *mailDiff) relayUsers() {
	compare(m, kindSpec[mail.RelayUser]{
		kind: plan.KindRelayUser,
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
		settle: func(w, h *mail.RelayUser) *mail.RelayUser {
			if h == nil || !keepPassword(w.Password, h.Password) {
				return w
			}
			u := *w
			u.Password = h.Password
			return &u
		},
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
		if c.Kind == plan.KindMailbox && c.Action == plan.Delete {
			_, domain, _ := strings.Cut(c.Before.(*mail.Mailbox).Address, "@")
			c.PurgeAfter = policy[domain]
		}
	}
}

// kindSpec says how the objects of one kind are told apart, placed in the
// plan, checked against what the config may take over, and written.
type kindSpec[T any] struct {
	kind  plan.Kind
	key   func(*T) string
	addr  func(*T) string
	ours  func(*T) bool            // a live object this config manages, so may delete
	clash func(want, have *T) bool // reports a live object the config may not take over (have may be nil)
	// settle gives the wanted object what the diff settles for it (have
	// may be nil): a copy that keeps a stored hash the config's password
	// matches, or takes the domain's verification token; the wanted
	// object itself when nothing changes.
	settle func(want, have *T) *T
	// previous is the key an object had before a rename, and moved gives
	// a copy of the wanted object that says the live one under that key
	// becomes it.
	previous func(*T) string
	moved    func(want *T, from string) *T
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
					w = s.moved(w, p)
				}
			}
		}
		if s.settle != nil {
			w = s.settle(w, h)
		}
		switch {
		case h == nil:
			m.add(s.kind, plan.Create, s.addr(w), k, nil, w)
		case plan.Differs(h, w):
			m.add(s.kind, plan.Update, s.addr(w), k, h, w)
		}
	}
	for i, h := range have {
		if !taken[i] && s.ours(h) {
			m.add(s.kind, plan.Delete, s.addr(h), s.key(h), h, nil)
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
					m.add(plan.KindDKIMKey, plan.Create, addr, key, nil, k)
				case i == 0 && !keyFits(h, d):
					// A key of another type or size under the same selector:
					// a new key replaces it, and its DNS record follows.
					k := &mail.DKIMKey{Domain: d.Name, Selector: sel, Algorithm: dkimAlgorithm(d), Bits: dkimBits(d), Active: true}
					m.add(plan.KindDKIMKey, plan.Replace, addr, key, h, k)
				case h == nil:
					m.notes = append(m.notes, &plan.Note{Address: addr, Kind: "dkim",
						Text: fmt.Sprintf("Previous DKIM selector %s has no key in backend %q, so there is nothing to publish for it; drop it from previous_selectors.", sel, m.backend)})
				case h.Active != (i == 0):
					k := *h
					k.Active = i == 0
					m.add(plan.KindDKIMKey, plan.Update, addr, key, h, &k)
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
			m.add(plan.KindDKIMKey, plan.Update, addr, key, h, &k)
			m.notes = append(m.notes, &plan.Note{Address: addr, Kind: "dkim",
				Text: fmt.Sprintf("DKIM selector %s leaves the config while its key signs: it stops signing in this apply, once the new key is published, and its key and record go in the next one. To keep its record published for mail still on its way, list it in previous_selectors.", h.Selector)})
			continue
		}
		m.add(plan.KindDKIMKey, plan.Delete, addr, key, h, nil)
	}
}

// keepPassword reports whether a wanted password is what the live one
// holds but stored differently (a plaintext that matches the stored hash,
// a hash written with another prefix): the diff then keeps the live one,
// so that the plan shows no change and apply hashes nothing again.
func keepPassword(want, have mail.Password) bool {
	return want != have && want.Matches(have)
}
