package reconcile

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/reconcile/dnsquery"
	"github.com/mailform/mailform/reconcile/plan"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/schema/parallel"
)

// proofs lists the domains and alias domains a plan activates that are not
// proven yet. A domain whose record goes into a zone file with no servers
// pinned is taken as proven by the file: no server can be asked.
func proofs(cfg *schema.Config, live *Live, doms []*DomainDNS, changes []*plan.Change) []*plan.Proof {
	if cfg.Platform == nil || cfg.Platform.OwnershipProof == "none" {
		return nil
	}
	byName := map[string]*DomainDNS{}
	for _, d := range doms {
		byName[d.Domain] = d
	}
	pins := PinnedServers(cfg)
	var out []*plan.Proof
	for _, c := range changes {
		op := opOf(c)
		if c.Action == plan.Delete {
			continue
		}
		var name, target string
		switch {
		case op.Domain != nil && op.Domain.Verified && !fieldWas(c, "verified", true):
			name = op.Domain.Name
		case op.AliasDomain != nil && op.AliasDomain.Verified && !fieldWas(c, "verified", true):
			name, target = op.AliasDomain.Name, op.AliasDomain.Target
		default:
			continue
		}
		dd := byName[name]
		pr := &plan.Proof{Address: c.Address, Domain: name, Target: target, Servers: pins[name],
			Owner: live.Token(name) + "." + name + ".", IP: cfg.Platform.VerificationIP, Resolver: Resolver(cfg)}
		pr.Record = fmt.Sprintf("%s A %s", pr.Owner, pr.IP)
		if dd != nil {
			pr.Provider = dd.Provider
		}
		if pz := live.DNS[pr.Provider]; pz != nil && pz.Caps.Offline && len(pr.Servers) == 0 {
			continue
		}
		out = append(out, pr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out
}

// dkimProofs lists the DKIM keys a plan makes sign, each to be published
// everywhere first: a new key (its text known once apply makes it), or a
// stored key that does not sign yet.
func dkimProofs(cfg *schema.Config, live *Live, doms []*DomainDNS, changes []*plan.Change) []*plan.Proof {
	byName := map[string]*DomainDNS{}
	for _, d := range doms {
		byName[d.Domain] = d
	}
	pins := PinnedServers(cfg)
	var out []*plan.Proof
	for _, c := range changes {
		k, ok := c.After.(*mail.DKIMKey)
		if !ok || c.Action == plan.Delete || !k.Active {
			continue
		}
		pr := &plan.Proof{Address: c.Address, Domain: k.Domain, Selector: k.Selector, Servers: pins[k.Domain],
			Owner: k.Selector + "._domainkey." + k.Domain + ".", Resolver: Resolver(cfg)}
		text := dkimText(k.Algorithm, dkimPlaceholder)
		if k.PublicKey != "" {
			text = dkimText(k.Algorithm, k.PublicKey)
			pr.TXT = text
		}
		pr.Record = fmt.Sprintf("%s TXT %q", pr.Owner, text)
		if dd := byName[k.Domain]; dd != nil {
			pr.Provider = dd.Provider
		}
		if pz := live.DNS[pr.Provider]; pz != nil && pz.Caps.Offline && len(pr.Servers) == 0 {
			pr.Local = true
		}
		out = append(out, pr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out
}

// PinnedServers gives, by domain and alias domain, the authoritative
// servers the config pins (nil: the NS set).
func PinnedServers(cfg *schema.Config) map[string][]string {
	pins := map[string][]string{}
	for _, t := range cfg.Tenants {
		for _, d := range t.Domains {
			pins[d.Name] = d.Effective.AuthServers
			for _, a := range d.AliasDomains {
				name := a.Name
				if ascii, err := schema.CanonicalDomain(a.Name); err == nil {
					name = ascii
				}
				pins[name] = d.Effective.AuthServers
			}
		}
	}
	return pins
}

// Resolver is the platform's dns_resolver as host:port; "" for the
// system's.
func Resolver(cfg *schema.Config) string {
	if cfg.Platform == nil || cfg.Platform.DNSResolver == "" {
		return ""
	}
	return schema.HostPort(cfg.Platform.DNSResolver, "53")
}

// fieldWas reports whether an update's field had the value before.
func fieldWas(c *plan.Change, name string, v any) bool {
	if c.Action == plan.Create {
		return false
	}
	for _, f := range c.Fields() {
		if f.Name == name {
			return f.Before == v
		}
	}
	return true // unchanged: it has the value it gets
}

// Prover checks ownership records on the authoritative servers.
type Prover struct {
	Timeout  time.Duration // how long apply waits for a record mailform published
	Interval time.Duration // between two rounds of queries
	// Progress, when set, hears each round that leaves apply waiting.
	Progress func(ProofResult)
	// Pinned, when set, are the servers asked for a proof whose domain
	// pins none, instead of its NS set.
	Pinned []string
}

// ProofResult is what the servers answered for one proof.
type ProofResult struct {
	Proof   *plan.Proof
	Proven  bool
	Missing []string // "server: what it answered", for each that lacks it
}

// check asks every authoritative server once.
func (pv *Prover) check(ctx context.Context, p *plan.Proof) ProofResult {
	res := ProofResult{Proof: p}
	if p.Local {
		res.Proven = true // written into its zone file: no server to ask
		return res
	}
	if p.Selector != "" && p.TXT == "" {
		res.Missing = []string{"the key was not made"}
		return res
	}
	servers := dnsquery.Pinned(p.Servers)
	if len(servers) == 0 {
		servers = dnsquery.Pinned(pv.Pinned)
	}
	if len(servers) == 0 {
		_, found, err := dnsquery.Resolver{Addr: p.Resolver}.Authoritative(ctx, p.Owner)
		if err != nil {
			res.Missing = []string{err.Error()}
			return res
		}
		servers = found
	}
	want := net.ParseIP(p.IP)
	qtype, has, describe := mdns.TypeA, func(rr mdns.RR) bool { return rr.(*mdns.A).A.Equal(want) }, describeA
	if p.Selector != "" {
		qtype, has, describe = mdns.TypeTXT, func(rr mdns.RR) bool { return dns.FromMiekg(".", rr).Data == p.TXT }, describeTXT
	}
	for _, s := range servers {
		a := dnsquery.Query(ctx, s, p.Owner, qtype)
		if prob := a.Problem(); prob != "" {
			res.Missing = append(res.Missing, s.String()+": "+prob)
			continue
		}
		if !a.Has(has) {
			res.Missing = append(res.Missing, s.String()+": "+describe(a.RRs))
		}
	}
	res.Proven = len(res.Missing) == 0
	return res
}

func describeTXT(rrs []mdns.RR) string {
	if len(rrs) == 0 {
		return "no such record"
	}
	return "answers another key"
}

func describeA(rrs []mdns.RR) string {
	if len(rrs) == 0 {
		return "no such record"
	}
	var vals []string
	for _, rr := range rrs {
		vals = append(vals, rr.(*mdns.A).A.String())
	}
	return "answers " + strings.Join(vals, ", ")
}

// Prove checks each proof: a record mailform published is waited for until
// every server answers it or the timeout passes; one the customer
// publishes is looked at once.
func (pv *Prover) Prove(ctx context.Context, ps []*plan.Proof) []ProofResult {
	out := make([]ProofResult, len(ps))
	deadline := time.Now().Add(pv.Timeout)
	var mu sync.Mutex // Progress is called from one goroutine at a time
	parallel.Each(len(ps), 8, func(i int) {
		p := ps[i]
		for {
			r := pv.check(ctx, p)
			out[i] = r
			if r.Proven || !p.Wait() || time.Now().After(deadline) || ctx.Err() != nil {
				return
			}
			if pv.Progress != nil {
				mu.Lock()
				pv.Progress(r)
				mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(pv.Interval):
			}
		}
	})
	return out
}

// pendingCopy is a domain or alias domain op as written before its proof:
// not verified, not active, no catch-all; a new DKIM key's, stored without
// signing.
func pendingCopy(op mail.Op) mail.Op {
	if op.DKIMKey != nil {
		k := *op.DKIMKey
		k.Active = false
		op.DKIMKey = &k
	}
	if op.Domain != nil {
		d := *op.Domain
		d.Verified, d.Active, d.CatchAll = false, false, ""
		op.Domain = &d
	}
	if op.AliasDomain != nil {
		a := *op.AliasDomain
		a.Verified, a.Active = false, false
		op.AliasDomain = &a
	}
	return op
}

// gates are the proofs a change waits for (see Proof.gate): its own
// domain's, and an alias domain's real domain's, when they are pending and
// not proven; for a DKIM key, its domain's new key's publication, which
// every change of the domain's keys waits for, the key that signs going
// last.
func gates(c *plan.Change, pending, proven map[string]bool) []string {
	op := opOf(c)
	if op.Action == 0 {
		return nil
	}
	var names []string
	add := func(d string) {
		if pending[d] && !proven[d] {
			names = append(names, d)
		}
	}
	if k := op.DKIMKey; k != nil && (c.Action != plan.Delete || k.Active) {
		add(plan.DKIMGate(k.Domain))
		return names
	}
	if c.Action == plan.Delete {
		return nil
	}
	switch {
	case op.Domain != nil:
		add(op.Domain.Name)
	case op.AliasDomain != nil:
		add(op.AliasDomain.Name)
		add(op.AliasDomain.Target)
	case op.Mailbox != nil:
		add(domainPart(op.Mailbox.Address))
	case op.Alias != nil:
		add(domainPart(op.Alias.Address))
	}
	return names
}

func domainPart(address string) string {
	_, d, _ := strings.Cut(address, "@")
	return d
}
