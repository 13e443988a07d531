package schema

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/schema/parallel"
)

// validate checks the merged, resolved config as a whole.
func (c *checker) validate() {
	c.platform()
	c.references()
	c.reseller()
	c.providers()
	x := c.index()
	c.tenants(x)
	c.loops(x)
}

// tenants checks every tenant, on as many goroutines as there are cores.
// Each tenant is
// checked by a checker of its own, whose diagnostics join c's in tenant
// order. What a tenant's check reads of the others, the index, is done;
// what it writes is its own. Earlier addresses (moved_from), which must
// each go to one mailbox of them all, are checked after, in order.
func (c *checker) tenants(x *index) {
	ts := c.cfg.Tenants
	subs := make([]checker, len(ts))
	parallel.Each(len(ts), 0, func(i int) {
		subs[i] = checker{cfg: c.cfg, files: c.files, noPlatform: c.noPlatform, refused: c.refused}
		subs[i].tenant(ts[i], x)
	})
	for i := range subs {
		c.diags = append(c.diags, subs[i].diags...)
		for _, m := range subs[i].moves {
			c.movedFrom(m, m.Effective.Address, x)
		}
	}
}

func (c *checker) platform() {
	p := c.cfg.Platform
	if p.MailHost != "" {
		if pr := hostName(p.MailHost); pr != nil {
			c.problem(p.At("mail_host"), pr)
		}
	}
	if p.WebmailURL != "" {
		if u, err := url.Parse(p.WebmailURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || hostName(u.Hostname()) != nil {
			c.errorf(p.At("webmail_url"), "Write the whole URL, such as https://webmail.example.net.", "webmail_url %q is not a web address", p.WebmailURL)
		}
	}
	c.servers(&p.Node, "authoritative_servers", p.AuthServers)
	c.accessLists(p)
	if p.OwnershipProof != "" && p.OwnershipProof != "dns" && p.OwnershipProof != "none" {
		c.errorf(p.At("ownership_proof"), "Use \"dns\" (wait for the ownership record on every authoritative server) or \"none\" (activate at once).", "ownership_proof: %q is not a proof mailform knows", p.OwnershipProof)
	}
	if p.DNSResolver != "" {
		c.servers(&p.Node, "dns_resolver", []string{p.DNSResolver})
	}
	if p.VerificationIP != "" {
		if pr := ipv4(p.VerificationIP); pr != nil {
			c.errorf(p.At("verification_ip"), pr.detail+" It is where the ownership record d<9 digits>.<domain> points.", "verification_ip: %s", pr.summary)
		}
	}
	for _, e := range []*Endpoint{p.IMAP, p.POP3, p.Submission} {
		if e == nil {
			continue
		}
		if e.Host != "" {
			if pr := hostName(e.Host); pr != nil {
				c.problem(e.At("host"), pr)
			}
		}
		if e.Port != nil && (*e.Port < 1 || *e.Port > 65535) {
			c.errorf(e.At("port"), "A port is 1-65535.", "port %d is out of range", *e.Port)
		}
	}
	seen := map[string]*MXHost{}
	for _, mx := range p.MX {
		mx.Host = strings.ToLower(strings.TrimSuffix(mx.Host, "."))
		if pr := hostName(mx.Host); pr != nil {
			c.problem(mx.NameRange, pr)
		}
		if first, dup := seen[mx.Host]; dup {
			c.errorf(mx.NameRange, fmt.Sprintf("It is already listed at %s.", place(first.NameRange)), "MX host %s is listed twice", mx.Host)
		}
		seen[mx.Host] = mx
		if mx.Priority < 0 || mx.Priority > 65535 {
			c.errorf(mx.At("priority"), "An MX priority is 0-65535; lower is tried first.", "MX priority %d is out of range", mx.Priority)
		}
	}
	if r := p.Relay; r != nil {
		if r.Host != "" {
			if pr := hostName(r.Host); pr != nil {
				c.problem(r.At("host"), pr)
			}
		}
		if r.Port != nil && *r.Port != 25 && (*r.Port < 1025 || *r.Port > 5000) {
			c.errorf(r.At("port"), "The relay listens on port 25 or on any port from 1025 to 5000.", "relay port %d is not offered", *r.Port)
		}
	}
	for i, h := range p.SPFInclude {
		if pr := dnsName(h); pr != nil {
			c.problem(p.At(fmt.Sprintf("spf_include.%d", i)), pr)
		}
	}
	pe := p.Effective
	if p.DefaultQuota != nil && !offered(pe.Quotas, *p.DefaultQuota) {
		c.errorf(p.At("default_quota"), fmt.Sprintf("The platform sells %s; pick one of them.", sizeList(pe.Quotas)), "default_quota %s is not among the platform's quotas", *p.DefaultQuota)
	}
	for i, l := range p.SendLimits {
		if l <= 0 {
			c.errorf(p.At(fmt.Sprintf("send_limits.%d", i)), "A daily send limit is a positive number of messages.", "send limit %d is not positive", l)
		}
	}
	if p.DefaultSendLimit != nil && !offered(pe.SendLimits, *p.DefaultSendLimit) {
		c.errorf(p.At("default_send_limit"), fmt.Sprintf("The platform offers %s; pick one of them.", intList(pe.SendLimits)), "default_send_limit %d is not among the platform's send_limits", *p.DefaultSendLimit)
	}
}

func (c *checker) reseller() {
	r := c.cfg.Reseller
	if r == nil {
		return
	}
	if r.IPv4 != "" {
		if p := ipv4(r.IPv4); p != nil {
			c.problem(r.At("ipv4"), p)
		}
	}
	if r.IPv6 != "" {
		if p := ipv6(r.IPv6); p != nil {
			c.problem(r.At("ipv6"), p)
		}
	}
	if r.BrandDomain != "" {
		ascii, _, p := domainName(r.BrandDomain, false)
		if p != nil {
			c.problem(r.At("brand_domain"), p)
			return
		}
		c.lowerNote(r.BrandDomain, ascii, r.At("brand_domain"), "brand domain")
		r.BrandDomain = ascii
	}
}

func (c *checker) providers() {
	seen := map[string]*Node{}
	for _, b := range c.cfg.Backends {
		c.unique(seen, b.Name, &b.Node, "backend")
		c.checkProvider("backend", b.Name, b.Type, &b.Node, b.Settings, backendTypes)
	}
	seen = map[string]*Node{}
	for _, p := range c.cfg.DNSProviders {
		c.unique(seen, p.Name, &p.Node, "dns_provider")
		c.checkProvider("dns_provider", p.Name, p.Type, &p.Node, p.Settings, dnsTypes)
	}
}

// unique reports a name defined twice, naming both places.
func (c *checker) unique(seen map[string]*Node, name string, n *Node, what string) bool {
	if first, dup := seen[name]; dup {
		c.errorf(n.NameRange, fmt.Sprintf("It is already defined at %s; keep one of the two.", place(first.NameRange)), "%s %q is defined twice", what, name)
		return false
	}
	seen[name] = n
	return true
}

// index is what cross-references need: which names exist where.
type index struct {
	domains      map[string]*domainRef // real domains by name
	aliasDomains map[string]*domainRef // alias domains by name
	backends     []string
	dnsProviders []string
	mailboxes    map[string]*Mailbox // by address
	aliases      map[string]*Alias   // by address
	movedFrom    map[string]movedRef // earlier addresses of mailboxes
	// loopFrom lists, in the config's order, the addresses mail goes on
	// from: the aliases, and the mailboxes whose forward keeps no copy.
	loopFrom []loopNode
}

// movedRef is the mailbox that moved from an address.
type movedRef struct {
	self string
	node *Node
}

type domainRef struct {
	tenant *Tenant
	domain *Domain
	alias  *AliasDomain
}

func (r *domainRef) node() *Node {
	if r.alias != nil {
		return &r.alias.Node
	}
	return &r.domain.Node
}

// index builds the cross-reference tables and reports names defined twice:
// in one file, across files, or across tenants.
func (c *checker) index() *index {
	// The maps are made at their final size: growing maps of half a million
	// addresses was most of indexing a large config.
	var domains, aliasDomains, mailboxes, aliases int
	for _, t := range c.cfg.Tenants {
		domains += len(t.Domains)
		for _, d := range t.Domains {
			aliasDomains += len(d.AliasDomains)
			mailboxes += len(d.Mailboxes)
			aliases += len(d.Aliases)
		}
	}
	x := &index{domains: make(map[string]*domainRef, domains), aliasDomains: make(map[string]*domainRef, aliasDomains),
		mailboxes: make(map[string]*Mailbox, mailboxes), aliases: make(map[string]*Alias, aliases), movedFrom: map[string]movedRef{}}
	for _, b := range c.cfg.Backends {
		x.backends = append(x.backends, b.Name)
	}
	for _, p := range c.cfg.DNSProviders {
		x.dnsProviders = append(x.dnsProviders, p.Name)
	}
	tenants := map[string]*Node{}
	relays := map[string]*Node{}
	for _, t := range c.cfg.Tenants {
		c.unique(tenants, t.Name, &t.Node, "tenant")
		for _, r := range t.RelayUsers {
			c.unique(relays, r.Name, &r.Node, "relay user")
		}
		for _, d := range t.Domains {
			if first, dup := x.domains[d.Name]; dup {
				c.claimedTwice(d.Name, first, t, &d.Node)
				continue
			}
			x.domains[d.Name] = &domainRef{tenant: t, domain: d}
		}
	}
	for _, t := range c.cfg.Tenants {
		for _, d := range t.Domains {
			if x.domains[d.Name].domain != d {
				continue
			}
			for _, a := range d.AliasDomains {
				if first, dup := x.domains[a.Name]; dup {
					c.errorf(a.NameRange, fmt.Sprintf("%s is a real domain of tenant %q at %s; a name is either a real domain or an alias domain.", a.Name, first.tenant.Name, place(first.domain.NameRange)),
						"alias domain %s is also a real domain", a.Name)
					continue
				}
				if first, dup := x.aliasDomains[a.Name]; dup {
					c.claimedTwice(a.Name, first, t, &a.Node)
					continue
				}
				x.aliasDomains[a.Name] = &domainRef{tenant: t, domain: d, alias: a}
			}
			c.addresses(d, x)
		}
	}
	return x
}

func (c *checker) claimedTwice(name string, first *domainRef, t *Tenant, n *Node) {
	if first.tenant == t {
		c.errorf(n.NameRange, fmt.Sprintf("It is already defined at %s; keep one of the two.", place(first.node().NameRange)), "domain %s is defined twice", name)
		return
	}
	c.errorf(n.NameRange, fmt.Sprintf("Tenant %q already has it at %s; a domain belongs to one tenant: remove it from one of them.", first.tenant.Name, place(first.node().NameRange)),
		"domain %s is claimed by two tenants", name)
}

// addresses indexes a domain's mailboxes and aliases, reporting the
// addresses defined twice.
func (c *checker) addresses(d *Domain, x *index) {
	for _, m := range d.Mailboxes {
		addr := m.Effective.Address
		if m.Name == "postmaster" {
			c.errorf(m.NameRange, "Every domain has an implicit postmaster mailbox with a fixed 50MB quota; set its password in the domain's postmaster block.", "postmaster is created by mailform")
			continue
		}
		if first, dup := x.mailboxes[addr]; dup {
			c.errorf(m.NameRange, fmt.Sprintf("It is already defined at %s; keep one of the two.", place(first.NameRange)), "mailbox %s is defined twice", addr)
			continue
		}
		x.mailboxes[addr] = m
		if f := m.Forward; f != nil && !value(f.KeepCopy, true) {
			x.loopFrom = append(x.loopFrom, loopNode{addr: addr, to: f.To, where: &f.NameRange})
		}
	}
	for _, a := range d.Aliases {
		addr := a.Name + "@" + d.Name
		if a.Name == "postmaster" {
			c.errorf(a.NameRange, "postmaster@ is the domain's implicit postmaster mailbox; to send its mail elsewhere, forward it from the postmaster's client.", "alias %s would hide the postmaster mailbox", addr)
			continue
		}
		if m, dup := x.mailboxes[addr]; dup {
			c.errorf(a.NameRange, fmt.Sprintf("%s is a mailbox at %s; an address is either a mailbox or an alias. To copy its mail elsewhere, give the mailbox a forward with keep_copy = true.", addr, place(m.NameRange)),
				"alias %s has the address of a mailbox", addr)
			continue
		}
		if first, dup := x.aliases[addr]; dup {
			c.errorf(a.NameRange, fmt.Sprintf("It is already defined at %s; keep one of the two.", place(first.NameRange)), "alias %s is defined twice", addr)
			continue
		}
		x.aliases[addr] = a
		x.loopFrom = append(x.loopFrom, loopNode{addr: addr, to: a.To, where: &a.NameRange})
	}
}

// hosted finds the real domain an address belongs to, through alias domains,
// and returns the address on that real domain.
func (x *index) hosted(addr string) (string, *Domain) {
	at := strings.LastIndex(addr, "@")
	if at < 0 {
		return addr, nil
	}
	local, dom := addr[:at], addr[at+1:]
	if r, ok := x.domains[dom]; ok {
		return addr, r.domain
	}
	if r, ok := x.aliasDomains[dom]; ok {
		return local + "@" + r.domain.Name, r.domain
	}
	return addr, nil
}

// destination checks an address mail is sent to: it must be an address, and
// when its domain is hosted here, something there must receive it.
func (c *checker) destination(raw string, rng hcl.Range, what string, x *index) (string, bool) {
	addr, p := address(raw)
	if p != nil {
		c.errorf(rng, p.detail, "%s %s", what, p.summary)
		return "", false
	}
	real, d := x.hosted(addr)
	if d == nil {
		return addr, true
	}
	local := real[:strings.LastIndex(real, "@")]
	if x.mailboxes[real] != nil || x.aliases[real] != nil || local == "postmaster" || d.CatchAll != "" {
		return real, true
	}
	c.errorf(rng, fmt.Sprintf("%s is hosted here and has no mailbox or alias %q (and no catch-all); add one, or correct the address.", d.Name, local),
		"%s %s does not exist", what, addr)
	return "", false
}

func (c *checker) reference(name string, rng hcl.Range, names []string, what, kind string) {
	if name == "" || contains(names, name) {
		return
	}
	detail := fmt.Sprintf("Define %s %q { … }, or use one of the defined ones: %s.", kind, name, quoteList(names))
	if len(names) == 0 {
		detail = fmt.Sprintf("No %s is defined; add %s %q { type = … }.", kind, kind, name)
	}
	if s := suggest(name, names); s != "" {
		detail = fmt.Sprintf("Did you mean %q? %s", s, detail)
	}
	c.errorf(rng, detail, "%s refers to unknown %s %q", what, kind, name)
}

func offered[T Size | int](list []T, v T) bool {
	for _, o := range list {
		if o == v {
			return true
		}
	}
	return false
}

func sizeList(s []Size) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = v.String()
	}
	return strings.Join(parts, ", ")
}

func intList(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// servers checks a list of DNS server addresses: host or host:port.
func (c *checker) servers(n *Node, attr string, list []string) {
	for i, s := range list {
		rng := n.At(attr)
		if len(list) > 1 || n.Has(fmt.Sprintf("%s.%d", attr, i)) {
			rng = n.At(fmt.Sprintf("%s.%d", attr, i))
		}
		host, port := s, ""
		if h, p, err := net.SplitHostPort(s); err == nil {
			host, port = h, p
		}
		host = strings.Trim(host, "[]")
		bad := host == "" || (net.ParseIP(host) == nil && hostName(strings.TrimSuffix(host, ".")) != nil)
		if port != "" && !validPort(port) {
			bad = true
		}
		if bad {
			c.errorf(rng, "Write a DNS server as a host or an address, with an optional port: \"ns1.example.net\", \"192.0.2.53:5353\" or \"[2001:db8::53]:53\".", "%s: %q is not a server address", attr, s)
		}
	}
}

// accessLists checks allow_env and allow_files_from, and says when the
// run's environment set the policy in their place.
func (c *checker) accessLists(p *Platform) {
	a := c.cfg.Access
	if p.Has("allow_env") && a.envByRun {
		c.warnf(p.At("allow_env"), fmt.Sprintf("%s, set where mailform runs, says what env() may read in this run.", EnvAllowEnv), "allow_env is not used in this run")
	}
	if p.Has("allow_files_from") && a.filesByRun {
		c.warnf(p.At("allow_files_from"), fmt.Sprintf("%s, set where mailform runs, says where files may be read in this run.", EnvAllowFilesFrom), "allow_files_from is not used in this run")
	}
	for i, pat := range p.AllowEnv {
		rng := p.At(fmt.Sprintf("allow_env.%d", i))
		switch _, err := path.Match(pat, ""); {
		case err != nil || !envPattern.MatchString(pat):
			c.errorf(rng, "Write a variable name, or a pattern with * such as ACME_*.", "allow_env %q is not a variable name or pattern", pat)
		case strings.Trim(pat, "*") == "":
			c.warnf(rng, "env() may then read every variable of the process, CI tokens included; name the variables instead, or a prefix such as ACME_*.", "allow_env %q allows every variable", pat)
		}
	}
}

var envPattern = regexp.MustCompile(`^[A-Za-z_*?][A-Za-z0-9_*?]*$`)
