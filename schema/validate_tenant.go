package schema

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

func (c *checker) tenant(t *Tenant, x *index) {
	te := t.Effective
	if t.Backend != "" {
		c.reference(t.Backend, t.At("backend"), x.backends, "tenant "+t.Name, "backend")
	} else if len(x.backends) > 1 {
		c.errorf(t.NameRange, fmt.Sprintf("The config defines %d backends (%s); say which one holds this tenant with backend = \"…\".", len(x.backends), quoteList(x.backends)),
			"tenant %q does not say which backend holds it", t.Name)
	}
	c.servers(&t.Node, "authoritative_servers", t.AuthServers)
	if t.MaxMailboxes != nil && *t.MaxMailboxes < 0 {
		c.errorf(t.At("max_mailboxes"), "Use 0 or more.", "max_mailboxes cannot be negative")
	}
	c.quotaOffered(t.MaxQuota, &t.Node, "max_quota")
	c.quotaOffered(t.DefaultQuota, &t.Node, "default_quota")
	if t.DefaultQuota != nil && te.DefaultQuota.Value > te.MaxQuota.Value {
		c.errorf(t.At("default_quota"), fmt.Sprintf("The tenant's max_quota is %s (set at %s); lower the default or raise the maximum.", te.MaxQuota.Value, place(*te.MaxQuota.From)),
			"default_quota %s is above max_quota %s", te.DefaultQuota.Value, te.MaxQuota.Value)
	}
	c.sendLimitOffered(t.DefaultSendLimit, &t.Node, "default_send_limit")

	domains := map[string]bool{}
	for _, d := range t.Domains {
		domains[d.Name] = true
		for _, a := range d.AliasDomains {
			domains[a.Name] = true
		}
	}
	managed := map[string]*Manager{}
	seenManager := map[string]*Node{}
	for _, m := range t.Managers {
		c.unique(seenManager, m.Address, &m.Node, "manager")
		list := m.Domains
		if !m.Has("domains") {
			list = nil
			for _, d := range t.Domains {
				list = append(list, d.Name)
			}
		}
		for i, name := range list {
			rng := m.At(fmt.Sprintf("domains.%d", i))
			name = strings.ToLower(name)
			if !hasRealDomain(t, name) {
				detail := fmt.Sprintf("Tenant %q has the domains %s.", t.Name, quoteList(realDomainNames(t)))
				if s := suggest(name, realDomainNames(t)); s != "" {
					detail = fmt.Sprintf("Did you mean %q? %s", s, detail)
				}
				c.errorf(rng, detail, "manager %s manages %s, which is not a domain of tenant %q", m.Address, name, t.Name)
				continue
			}
			if other, dup := managed[name]; dup && other != m {
				c.errorf(rng, fmt.Sprintf("Manager %s already manages it (%s); a domain has at most one manager.", other.Address, place(other.NameRange)),
					"domain %s has two managers", name)
				continue
			}
			managed[name] = m
		}
	}

	count := 0
	for _, d := range t.Domains {
		c.domain(t, d, x)
		count += enabledMailboxes(d)
	}
	if t.MaxMailboxes != nil && count > *t.MaxMailboxes {
		c.errorf(t.At("max_mailboxes"), fmt.Sprintf("The tenant's domains define %d mailboxes (postmasters and those with enabled = false not counted); remove %d, switch them off, or raise max_mailboxes.", count, count-*t.MaxMailboxes),
			"tenant %q has %d mailboxes, more than its max_mailboxes %d", t.Name, count, *t.MaxMailboxes)
	}
	for _, r := range t.RelayUsers {
		c.relayUser(r, t, domains)
	}
}

// enabledMailboxes counts a domain's mailboxes that are not switched off:
// those count against max_mailboxes, as a panel counts what it bills.
func enabledMailboxes(d *Domain) int {
	n := 0
	for _, m := range d.Mailboxes {
		if m.Enabled == nil || *m.Enabled {
			n++
		}
	}
	return n
}

func hasRealDomain(t *Tenant, name string) bool {
	for _, d := range t.Domains {
		if d.Name == name {
			return true
		}
	}
	return false
}

func realDomainNames(t *Tenant) []string {
	var out []string
	for _, d := range t.Domains {
		out = append(out, d.Name)
	}
	return out
}

func (c *checker) quotaOffered(q *Size, n *Node, attr string) {
	pe := c.cfg.Platform.Effective
	if q != nil && !offered(pe.Quotas, *q) {
		c.errorf(n.At(attr), fmt.Sprintf("The platform sells %s; use one of them, or add %s to platform.quotas.", sizeList(pe.Quotas), *q),
			"quota %s is not one the platform sells", *q)
	}
}

func (c *checker) sendLimitOffered(l *int, n *Node, attr string) {
	pe := c.cfg.Platform.Effective
	if l != nil && !offered(pe.SendLimits, *l) {
		c.errorf(n.At(attr), fmt.Sprintf("The platform offers %s messages a day to external recipients; use one of them, or add %d to platform.send_limits.", intList(pe.SendLimits), *l),
			"send limit %d is not one the platform offers", *l)
	}
}

// domain checks one real domain and everything in it.
func (c *checker) domain(t *Tenant, d *Domain, x *index) {
	c.reference(d.DNS, d.At("dns"), x.dnsProviders, "domain "+d.Name, "dns_provider")
	c.branding(d, x)
	c.domainLimits(t, d)
	c.servers(&d.Node, "authoritative_servers", d.AuthServers)
	c.allowedIPs(d)
	if d.CatchAll != "" {
		if addr, ok := c.destination(d.CatchAll, d.At("catch_all"), "catch-all", x); ok {
			d.CatchAll = addr
		}
	}
	if cu := d.Customization; cu != nil {
		c.customization(d, cu)
	}
	if pm := d.Postmaster; pm != nil {
		c.password(pm.PasswordHash, pm.Password, &pm.Node, "postmaster of "+d.Name)
	}
	for _, a := range d.AliasDomains {
		c.reference(a.DNS, a.At("dns"), x.dnsProviders, "alias domain "+a.Name, "dns_provider")
	}
	c.dnsSettings(d, x)
	for _, m := range d.Mailboxes {
		c.mailbox(t, d, m, x)
	}
	for _, a := range d.Aliases {
		for i, to := range a.To {
			if addr, ok := c.destination(to, a.At(fmt.Sprintf("to.%d", i)), "alias destination", x); ok {
				a.To[i] = addr
			}
		}
	}
}

// branding checks that the reseller has what a domain's branding and MX
// mode need.
func (c *checker) branding(d *Domain, x *index) {
	de := d.Effective
	r := c.cfg.Reseller
	switch de.Branding {
	case BrandingReseller:
		switch {
		case r == nil || r.BrandDomain == "":
			c.errorf(d.At("branding"), "Reseller branding serves the domain as mail.<brand domain> and webmail.<brand domain>: set reseller { brand_domain = \"…\" }.",
				"reseller branding needs the reseller's brand_domain")
		case x.domains[r.BrandDomain] == nil:
			c.errorf(d.At("branding"), fmt.Sprintf("Reseller branding needs %s itself hosted on the platform, with a TLS certificate for mail.%s and webmail.%s: add it as a domain of one of the tenants.", r.BrandDomain, r.BrandDomain, r.BrandDomain),
				"reseller branding needs the brand domain %s hosted here", r.BrandDomain)
		}
	case BrandingCustomer:
		if r == nil || r.IPv4 == "" {
			c.errorf(d.At("branding"), fmt.Sprintf("Customer branding serves the domain as mail.%s, an A record to the reseller's dedicated IPv4: set reseller { ipv4 = \"…\" }.", d.Name),
				"customer branding needs the reseller's ipv4")
		}
	}
	switch de.MX {
	case MXOwn:
		if d.MX != nil && (r == nil || r.IPv4 == "") {
			c.errorf(d.At("mx"), fmt.Sprintf("mx = \"own\" publishes mail.%s A <reseller IPv4>: set reseller { ipv4 = \"…\" }.", d.Name), "mx = \"own\" needs the reseller's ipv4")
		}
	case MXReseller:
		if r == nil || r.BrandDomain == "" {
			c.errorf(d.At("mx"), "mx = \"reseller\" points MX at mail.<brand domain>: set reseller { brand_domain = \"…\" }.", "mx = \"reseller\" needs the reseller's brand_domain")
		}
	case MXPlatform:
		if len(c.cfg.Platform.MX) == 0 && !c.noPlatform {
			c.errorf(d.At("mx"), "Without a reseller ipv4, MX points at the platform's MX hosts: add platform { mx \"mx01.example.net\" { priority = 10 } }, or set reseller.ipv4.",
				"domain %s has no MX host to point at", d.Name)
		}
	}
}

// domainLimits checks a domain's TTL, mailbox count, quotas and send
// limit against what it, its tenant and the platform allow.
func (c *checker) domainLimits(t *Tenant, d *Domain) {
	de := d.Effective
	te := t.Effective
	if d.DNSTTL != nil && (*d.DNSTTL < 60 || *d.DNSTTL > 604800) {
		c.errorf(d.At("dns_ttl"), "Use 60 to 604800 seconds; 600-1800 while moving MX, 3600 otherwise.", "dns_ttl %d is out of range", *d.DNSTTL)
	}
	if d.MaxMailboxes != nil && *d.MaxMailboxes < 0 {
		c.errorf(d.At("max_mailboxes"), "Use 0 or more.", "max_mailboxes cannot be negative")
	}
	if n, m := enabledMailboxes(d), de.MaxMailboxes; m != nil && n > m.Value {
		c.errorf(*m.From, fmt.Sprintf("The domain defines %d mailboxes (the postmaster and those with enabled = false not counted); remove %d, switch them off, or raise max_mailboxes.", n, n-m.Value),
			"domain %s has %d mailboxes, more than its max_mailboxes %d", d.Name, n, m.Value)
	}
	c.quotaOffered(d.MaxQuota, &d.Node, "max_quota")
	c.quotaOffered(d.DefaultQuota, &d.Node, "default_quota")
	if d.MaxQuota != nil && *d.MaxQuota > te.MaxQuota.Value {
		c.errorf(d.At("max_quota"), fmt.Sprintf("Tenant %q allows at most %s per mailbox (set at %s).", t.Name, te.MaxQuota.Value, place(*te.MaxQuota.From)),
			"max_quota %s is above the tenant's max_quota %s", *d.MaxQuota, te.MaxQuota.Value)
	}
	if de.DefaultQuota.Value > de.MaxQuota.Value && (d.DefaultQuota != nil || d.MaxQuota != nil) {
		at := d.At("default_quota")
		if d.DefaultQuota == nil {
			at = d.At("max_quota")
		}
		c.errorf(at, fmt.Sprintf("Domain %s allows at most %s per mailbox (set at %s); lower the default or raise the maximum.", d.Name, de.MaxQuota.Value, place(*de.MaxQuota.From)),
			"default quota %s is above max_quota %s", de.DefaultQuota.Value, de.MaxQuota.Value)
	}
	c.sendLimitOffered(d.DefaultSendLimit, &d.Node, "default_send_limit")
}

// allowedIPs checks a domain's allowed IPs: at most five addresses or
// networks, none twice.
func (c *checker) allowedIPs(d *Domain) {
	if len(d.AllowedIPs) > 5 {
		c.errorf(d.At("allowed_ips.5"), fmt.Sprintf("The platform allows at most 5 addresses per domain; this lists %d. Use a network (such as 203.0.113.0/28) to cover several.", len(d.AllowedIPs)),
			"more than 5 allowed IPs")
	}
	seenIP := map[string]int{}
	for i, ip := range d.AllowedIPs {
		rng := d.At(fmt.Sprintf("allowed_ips.%d", i))
		if p := ipOrNet(ip); p != nil {
			c.problem(rng, p)
			continue
		}
		if j, dup := seenIP[ip]; dup {
			c.errorf(rng, fmt.Sprintf("It is already item %d of the list.", j+1), "allowed IP %s is listed twice", ip)
		}
		seenIP[ip] = i
	}
}

func (c *checker) mailbox(t *Tenant, d *Domain, m *Mailbox, x *index) {
	me := m.Effective
	de := d.Effective
	c.password(m.PasswordHash, m.Password, &m.Node, "mailbox "+me.Address)
	if m.Quota != nil {
		c.quotaOffered(m.Quota, &m.Node, "quota")
		if offered(c.cfg.Platform.Effective.Quotas, *m.Quota) && *m.Quota > de.MaxQuota.Value {
			owner := "domain " + d.Name
			if d.MaxQuota == nil {
				owner = "tenant " + t.Name
			}
			c.errorf(m.At("quota"), fmt.Sprintf("The %s allows at most %s per mailbox (set at %s); use a smaller quota or raise max_quota there.", owner, de.MaxQuota.Value, place(*de.MaxQuota.From)),
				"quota %s is above max_quota %s of %s", *m.Quota, de.MaxQuota.Value, owner)
		}
	}
	c.sendLimitOffered(m.SendLimit, &m.Node, "send_limit")
	if m.Services != nil {
		for _, s := range m.Services.List() {
			if !de.Services.Has(s) {
				c.warnf(m.At("services"), fmt.Sprintf("Domain %s disables %s for all its users, so this mailbox cannot use it either.", d.Name, s),
					"service %s is disabled for the whole domain", s)
			}
		}
	}
	if f := m.Forward; f != nil {
		for i, to := range f.To {
			rng := f.At(fmt.Sprintf("to.%d", i))
			addr, ok := c.destination(to, rng, "forward destination", x)
			if !ok {
				continue
			}
			f.To[i] = addr
			if addr == me.Address {
				c.errorf(rng, "A mailbox keeps its own mail without a forward; use keep_copy = true to keep a copy of forwarded mail.", "mailbox %s forwards to itself", me.Address)
			}
		}
	}
	if m.MovedFrom != "" {
		c.moves = append(c.moves, m) // checked once every tenant is (see tenants)
	}
	if a := m.Autoresponder; a != nil {
		if strings.TrimSpace(a.Subject) == "" && !c.reported(a.At("subject")) {
			c.errorf(a.At("subject"), "Write a one-line subject, such as \"Out of office\".", "autoresponder subject is empty")
		}
		if strings.TrimSpace(a.Body) == "" {
			c.errorf(a.At("body"), "Write the text of the reply.", "autoresponder body is empty")
		}
		if a.Start != nil && a.End != nil && a.End.Time.Before(a.Start.Time) {
			c.errorf(a.At("end"), fmt.Sprintf("It starts on %s; the end must not be earlier.", a.Start), "autoresponder ends before it starts")
		}
	}
	if ar := m.Archive; ar != nil {
		if ar.RetentionYears < 1 || ar.RetentionYears > 10 {
			c.errorf(ar.At("retention_years"), "The archive keeps messages for 1 to 10 years.", "archive retention of %d years is outside 1-10", ar.RetentionYears)
		}
		for i, dl := range ar.Delegates {
			if addr, p := address(dl); p != nil {
				c.errorf(ar.At(fmt.Sprintf("delegates.%d", i)), p.detail, "archive delegate %s", p.summary)
			} else {
				ar.Delegates[i] = addr
			}
		}
	}
}

// password checks that exactly one of password_hash and password is set.
func (c *checker) password(hash, ref *Secret, n *Node, what string) {
	switch {
	case hash != nil && ref != nil:
		c.errorf(n.At("password"), "Keep password_hash (a crypt hash) or password (a reference to the plaintext), not both.", "%s has both password_hash and password", what)
	case hash == nil && ref == nil && !n.Has("password_hash") && !n.Has("password"):
		c.errorf(n.NameRange, `Set password_hash = "{SHA512-CRYPT}$6$…" (doveadm pw -s SHA512-CRYPT makes one), or password = env("NAME").`, "%s has no password", what)
	}
}

func (c *checker) relayUser(r *RelayUser, t *Tenant, domains map[string]bool) {
	c.password(r.PasswordHash, r.Password, &r.Node, "relay user "+r.Name)
	senders := 0
	for i, dom := range r.SenderDomains {
		rng := r.At(fmt.Sprintf("sender_domains.%d", i))
		ascii, _, p := domainName(dom, true)
		if p != nil {
			c.problem(rng, p)
			continue
		}
		r.SenderDomains[i] = ascii
		if !domains[ascii] {
			c.errorf(rng, fmt.Sprintf("A relay user sends only from domains the tenant has verified: %s.", strings.Join(sortedKeys(domains), ", ")),
				"sender domain %s is not one of tenant %q's domains", ascii, t.Name)
			continue
		}
		senders++
	}
	for i, s := range r.SenderAddresses {
		rng := r.At(fmt.Sprintf("sender_addresses.%d", i))
		addr, p := address(s)
		if p != nil {
			c.errorf(rng, p.detail, "sender %s", p.summary)
			continue
		}
		r.SenderAddresses[i] = addr
		if dom := addr[strings.LastIndex(addr, "@")+1:]; !domains[dom] {
			c.errorf(rng, fmt.Sprintf("A relay user sends only from addresses in domains the tenant has verified: %s.", strings.Join(sortedKeys(domains), ", ")),
				"sender address %s is outside tenant %q's domains", addr, t.Name)
			continue
		}
		senders++
	}
	if value(r.Active, true) && senders == 0 && len(r.SenderDomains)+len(r.SenderAddresses) == 0 {
		c.errorf(r.NameRange, "An active relay user needs at least one verified sender: add sender_domains or sender_addresses, or set active = false.",
			"relay user %q is active without a sender", r.Name)
	}
}

// loops finds mail loops: a cycle of aliases and of forwards that keep no
// copy, along which a message would circle until a server drops it.
func (c *checker) loops(x *index) {
	// The addresses mail goes on from are listed by index, in the
	// config's order: a list and one map.
	nodes := x.loopFrom
	at := make(map[string]int32, len(nodes))
	for i, n := range nodes {
		at[n.addr] = int32(i)
	}
	var path []int32
	var visit func(int32)
	visit = func(i int32) {
		nodes[i].state = loopActive
		path = append(path, i)
		for _, to := range nodes[i].to {
			real, _ := x.hosted(to)
			j, isNode := at[real]
			if !isNode {
				continue
			}
			switch nodes[j].state {
			case loopActive:
				c.loop(path[slices.Index(path, j):], nodes)
			case loopUnseen:
				visit(j)
			}
		}
		path = path[:len(path)-1]
		nodes[i].state = loopDone
	}
	for i := range nodes {
		if nodes[i].state == loopUnseen {
			visit(int32(i))
		}
	}
}

// loopNode is an address mail goes on from: its destinations, where the
// config sets them, and how far the search for loops has come.
type loopNode struct {
	addr  string
	to    []string
	where *hcl.Range
	state uint8
}

const (
	loopUnseen = iota
	loopActive // on the search's path
	loopDone
)

// loop reports a cycle of addresses, given by their places in nodes. It
// names the loop by its first address in sorted order, wherever
// the search came into it, so that the message does not depend on the
// order the addresses were searched in.
func (c *checker) loop(cycle []int32, nodes []loopNode) {
	first := 0
	for k, i := range cycle {
		if nodes[i].addr < nodes[cycle[first]].addr {
			first = k
		}
	}
	names := make([]string, 0, len(cycle)+1)
	for k := range cycle {
		names = append(names, nodes[cycle[(first+k)%len(cycle)]].addr)
	}
	names = append(names, names[0])
	c.errorf(*nodes[cycle[first]].where, fmt.Sprintf("Mail to %s would go %s and never reach a mailbox; deliver one of them to a mailbox, or use keep_copy = true on a forward.", names[0], strings.Join(names, " → ")),
		"mail loop through %s", names[0])
}

// movedFrom checks a mailbox's earlier address: an address, not its own,
// and no longer defined in the config.
func (c *checker) movedFrom(m *Mailbox, self string, x *index) {
	rng := m.At("moved_from")
	addr, p := address(m.MovedFrom)
	switch {
	case p != nil:
		c.errorf(rng, p.detail, "moved_from %s", p.summary)
		return
	case addr == self:
		c.errorf(rng, "moved_from names the address the mailbox had before a rename or move; remove it, or write the old address.", "mailbox %s is moved from itself", self)
		return
	case x.mailboxes[addr] != nil:
		c.errorf(rng, fmt.Sprintf("%s is still a mailbox of this config at %s; a mailbox moves only once the old one is gone from the config.", addr, place(x.mailboxes[addr].NameRange)),
			"mailbox %s cannot move from %s, which still exists", self, addr)
		return
	case x.aliases[addr] != nil:
		c.errorf(rng, fmt.Sprintf("%s is an alias of this config at %s; only a mailbox can be moved.", addr, place(x.aliases[addr].NameRange)),
			"mailbox %s cannot move from alias %s", self, addr)
		return
	}
	if first, dup := x.movedFrom[addr]; dup {
		c.errorf(rng, fmt.Sprintf("Mailbox %s is already moved from it at %s; one mailbox can take an old address.", first.self, place(first.node.At("moved_from"))),
			"%s is moved to two mailboxes", addr)
		return
	}
	x.movedFrom[addr] = movedRef{self, &m.Node}
	m.MovedFrom = addr
}
