package check

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/reconcile"
	"github.com/mailform/mailform/reconcile/dnsquery"
	"github.com/mailform/mailform/reconcile/tlsprobe"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/schema/parallel"
)

// Certificate states, as mailform check reports them.
const (
	TLSValid    = "valid"
	TLSExpiring = "expiring" // valid, but for fewer than tlsprobe.SoonDays more days
	TLSInvalid  = "invalid"
)

// TLSResult is the certificate one server serves for a host name a
// domain's branding needs (mail.<domain> and webmail.<domain>, or the
// reseller's).
type TLSResult struct {
	Host    string `json:"host"`
	Port    int    `json:"port"`
	Service string `json:"service"`           // imap, pop3, smtp or webmail
	Address string `json:"address,omitempty"` // the address connected to
	State   string `json:"state"`             // valid, expiring, invalid or error
	Detail  string `json:"detail,omitempty"`
	Expires string `json:"expires,omitempty"` // the certificate's last day, UTC
}

// tlsTarget is one host name, port and service to check.
type tlsTarget struct {
	host    string
	port    int
	service string
	start   string // how TLS starts: tlsprobe.Implicit, IMAP, POP3 or SMTP
}

// tlsTargets are the endpoints whose certificate the domain's branding
// needs: the names clients use for each service enabled, on the platform's
// ports. Without branding, the names are the platform's own.
func tlsTargets(cfg *schema.Config, d *schema.Domain) []tlsTarget {
	if b := d.Effective.Branding; b != schema.BrandingCustomer && b != schema.BrandingReseller {
		return nil
	}
	h := reconcile.HostsOf(cfg, d)
	p := cfg.Platform.Effective
	svc := d.Effective.Services
	var out []tlsTarget
	for _, e := range []struct {
		service schema.Service
		host    string
		ep      schema.EndpointEffective
		start   string
	}{
		{schema.IMAP, h.IMAP, p.IMAP, tlsprobe.IMAP},
		{schema.POP3, h.POP3, p.POP3, tlsprobe.POP3},
		{schema.SMTP, h.SMTP, p.Submission, tlsprobe.SMTP},
	} {
		if !svc.Has(e.service) || e.ep.Security == schema.SecurityNone {
			continue
		}
		start := e.start
		if e.ep.Security == schema.SecurityTLS {
			start = tlsprobe.Implicit
		}
		out = append(out, tlsTarget{e.host, e.ep.Port, string(e.service), start})
	}
	if svc.Has(schema.Webmail) && strings.HasPrefix(h.Webmail, "https:") {
		host, port := reconcile.WebmailAddr(h.Webmail)
		out = append(out, tlsTarget{host, port, string(schema.Webmail), tlsprobe.Implicit})
	}
	return out
}

// checkTLS connects to every endpoint the branding of the reported
// domains needs and verifies the certificate served. Each endpoint is
// checked once, and reported with the domain its name is under when that
// domain is checked too (mail.<brand> with the reseller's brand domain),
// else with the first domain that needs it. The host's addresses come
// from the authoritative servers of its domain, as found for the report
// or pinned, else from the resolver.
func checkTLS(ctx context.Context, cfg *schema.Config, reports []*Report, pins map[string][]string, resolver string) {
	domains := map[string]*schema.Domain{}
	for _, t := range cfg.Tenants {
		for _, d := range t.Domains {
			domains[d.Name] = d
		}
	}
	byName := map[string]*Report{}
	for _, r := range reports {
		byName[r.Domain] = r
	}
	type job struct {
		target  tlsTarget
		owner   *Report
		servers []dnsquery.Server
	}
	var jobs []*job
	seen := map[tlsTarget]bool{}
	for _, r := range reports {
		d := domains[r.Domain]
		if d == nil {
			continue // an alias domain: clients never use its names
		}
		for _, tg := range tlsTargets(cfg, d) {
			if seen[tg] {
				continue
			}
			seen[tg] = true
			j := &job{target: tg, owner: r}
			for name := tg.host; name != ""; _, name, _ = strings.Cut(name, ".") {
				if o := byName[name]; o != nil {
					j.owner, j.servers = o, o.servers
					break
				}
				if p := pins[name]; len(p) > 0 {
					j.servers = dnsquery.Pinned(p)
					break
				}
			}
			jobs = append(jobs, j)
		}
	}
	var mu sync.Mutex
	parallel.Each(len(jobs), 8, func(i int) {
		j := jobs[i]
		results := probeTarget(ctx, j.target, j.servers, resolver)
		mu.Lock()
		j.owner.TLS = append(j.owner.TLS, results...)
		mu.Unlock()
	})
	for _, r := range reports {
		sort.Slice(r.TLS, func(a, b int) bool {
			x, y := r.TLS[a], r.TLS[b]
			if x.Host != y.Host {
				return x.Host < y.Host
			}
			if x.Port != y.Port {
				return x.Port < y.Port
			}
			return x.Address < y.Address
		})
	}
}

// probeTarget checks the certificate at each address of the host.
func probeTarget(ctx context.Context, tg tlsTarget, servers []dnsquery.Server, resolver string) []*TLSResult {
	base := TLSResult{Host: tg.host, Port: tg.port, Service: tg.service}
	addrs, err := hostAddresses(ctx, tg.host, servers, resolver)
	if err != nil || len(addrs) == 0 {
		r := base
		r.State, r.Detail = StateError, "no address"
		if err != nil {
			r.Detail += ": " + err.Error()
		}
		return []*TLSResult{&r}
	}
	var out []*TLSResult
	now := time.Now()
	for _, a := range addrs {
		r := base
		r.Address = a
		p := tlsprobe.Probe(ctx, net.JoinHostPort(a, fmt.Sprint(tg.port)), tg.host, tg.start, nil)
		if p.Leaf != nil {
			r.Expires = p.Leaf.NotAfter.UTC().Format(time.DateOnly)
		}
		switch {
		case p.Err != nil:
			r.State, r.Detail = StateError, p.Err.Error()
		case p.Invalid != nil:
			r.State, r.Detail = TLSInvalid, p.Invalid.Error()
		case p.Expiring(now):
			r.State = TLSExpiring
			r.Detail = fmt.Sprintf("the certificate expires on %s, in %d days: renew it", r.Expires, int(p.Leaf.NotAfter.Sub(now).Hours()/24))
		default:
			r.State = TLSValid
		}
		out = append(out, &r)
	}
	return out
}

// hostAddresses finds a host's addresses: from its domain's authoritative
// servers where they are known (what they serve is what this check is
// about), else, and for a name that is a CNAME, from the resolver.
func hostAddresses(ctx context.Context, host string, servers []dnsquery.Server, resolver string) ([]string, error) {
	var problems []string
	for _, s := range servers {
		var addrs []string
		answered := false
		for _, t := range []uint16{mdns.TypeA, mdns.TypeAAAA} {
			a := dnsquery.Query(ctx, s, host, t)
			if p := a.Problem(); p != "" {
				problems = append(problems, s.String()+": "+p)
				break
			}
			answered = true
			addrs = append(addrs, dnsquery.Addrs(a.RRs)...)
		}
		if len(addrs) > 0 {
			return addrs, nil
		}
		if answered {
			break // no address here: a CNAME, for the resolver to follow
		}
	}
	addrs, err := dnsquery.Resolver{Addr: resolver}.Addresses(ctx, host)
	if err != nil && len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return addrs, err
}
