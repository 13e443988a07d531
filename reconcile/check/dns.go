package check

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/libdns/libdns"
	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/reconcile"
	"github.com/mailform/mailform/reconcile/dnsquery"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/schema/parallel"
)

// reconcile.Record states, as mailform check reports them.
const (
	StatePresent   = "present"
	StateMissing   = "missing"
	StateDifferent = "different"
	StateStale     = "stale"
	StateError     = "error"
)

// Report is what every authoritative server of one domain serves of
// its mail DNS.
type Report struct {
	Domain  string          `json:"domain"`
	Servers []string        `json:"servers"`
	Results []*ServerResult `json:"results"`
	TLS     []*TLSResult    `json:"tls,omitempty"`
	Err     string          `json:"error,omitempty"` // the servers could not be found

	servers []dnsquery.Server
}

// ServerResult is one expected rrset (or the SOA serial) at one server.
type ServerResult struct {
	Server  string            `json:"server"`
	Name    string            `json:"name"`
	Type    string            `json:"type"`
	Purpose reconcile.Purpose `json:"purpose,omitempty"`
	State   string            `json:"state"`
	Want    []string          `json:"want,omitempty"`
	Got     []string          `json:"got,omitempty"`
	Detail  string            `json:"detail,omitempty"`
}

// OK reports whether every server serves everything.
func (r *Report) OK() bool {
	if r.Err != "" {
		return false
	}
	for _, x := range r.Results {
		if x.State != StatePresent {
			return false
		}
	}
	for _, x := range r.TLS {
		if x.State != TLSValid {
			return false
		}
	}
	return true
}

// DNS asks every authoritative server of each domain (its NS set, or
// the servers the config pins) for the domain's mail records and its SOA
// serial. domains limits the check; empty checks every domain and alias
// domain.
func DNS(ctx context.Context, cfg *schema.Config, live *reconcile.Live, domains []string) ([]*Report, error) {
	only := map[string]bool{}
	for _, d := range domains {
		ascii, err := schema.CanonicalDomain(d)
		if err != nil {
			return nil, fmt.Errorf("--domain %s: %w", d, err)
		}
		only[ascii] = true
	}
	pins := reconcile.PinnedServers(cfg)
	resolver := reconcile.Resolver(cfg)
	var reports []*Report
	var doms []*reconcile.DomainDNS
	found := map[string]bool{}
	for _, dd := range reconcile.MailDNS(cfg, live.Token, live) {
		if len(only) > 0 && !only[dd.Domain] {
			continue
		}
		found[dd.Domain] = true
		reports = append(reports, &Report{Domain: dd.Domain})
		doms = append(doms, dd)
	}
	parallel.Each(len(doms), 8, func(i int) {
		checkDomain(ctx, reports[i], doms[i], pins[doms[i].Domain], resolver)
	})
	checkTLS(ctx, cfg, reports, pins, resolver)
	var names []string
	for d := range only {
		if !found[d] {
			names = append(names, d)
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		return nil, fmt.Errorf("not a domain of this config: %s", strings.Join(names, ", "))
	}
	return reports, nil
}

func checkDomain(ctx context.Context, r *Report, dd *reconcile.DomainDNS, pinned []string, resolver string) {
	servers := dnsquery.Pinned(pinned)
	zone := mdns.CanonicalName(dd.Domain)
	res := dnsquery.Resolver{Addr: resolver}
	if len(servers) == 0 {
		var err error
		zone, servers, err = res.Authoritative(ctx, dd.Domain)
		if err != nil {
			r.Err = err.Error()
			return
		}
	}
	r.servers = servers
	for _, s := range servers {
		r.Servers = append(r.Servers, s.String())
	}
	r.Results = append(r.Results, soaResults(ctx, zone, servers)...)
	// Each expected rrset at each server.
	type key struct{ name, typ string }
	sets := map[key][]reconcile.Record{}
	var order []key
	for _, rec := range dd.Records {
		k := key{rec.Name, rec.Type}
		if _, seen := sets[k]; !seen {
			order = append(order, k)
		}
		sets[k] = append(sets[k], rec)
	}
	children := map[string][]dnsquery.Server{} // delegated zones, such as cert.<domain>
	for _, k := range order {
		recs := sets[k]
		typ := mdns.StringToType[k.typ]
		answers := make([]dnsquery.Answer, len(servers))
		var referral *dnsquery.Answer
		for i, s := range servers {
			answers[i] = dnsquery.Query(ctx, s, k.name, typ)
			if !answers[i].AA && len(answers[i].Ref) > 0 && referral == nil {
				referral = &answers[i]
			}
		}
		if referral == nil {
			for i, s := range servers {
				r.Results = append(r.Results, compareRRset(answers[i], s, recs))
			}
			continue
		}
		// The name is in a delegated zone: ask that zone's servers.
		child, childServers, err := res.Delegation(ctx, *referral)
		if err != nil {
			r.Results = append(r.Results, &ServerResult{Server: referral.Server.String(), Name: k.name, Type: k.typ, Purpose: recs[0].Purpose,
				State: StateError, Detail: "referral to a delegated zone whose servers cannot be found: " + err.Error()})
			continue
		}
		if _, seen := children[child]; !seen {
			children[child] = childServers
			for _, s := range childServers {
				r.Servers = append(r.Servers, s.String()+" for "+strings.TrimSuffix(child, "."))
			}
			r.Results = append(r.Results, soaResults(ctx, child, childServers)...)
		}
		for _, s := range children[child] {
			r.Results = append(r.Results, compareRRset(dnsquery.Query(ctx, s, k.name, typ), s, recs))
		}
	}
}

// soaResults asks each server for the zone's SOA: a server whose serial is
// behind the highest is stale.
func soaResults(ctx context.Context, zone string, servers []dnsquery.Server) []*ServerResult {
	serials := make([]dnsquery.Answer, len(servers))
	var top uint32
	for i, s := range servers {
		serials[i] = dnsquery.Query(ctx, s, zone, mdns.TypeSOA)
		if len(serials[i].RRs) > 0 {
			serials[i].Serial = serials[i].RRs[0].(*mdns.SOA).Serial
			top = max(top, serials[i].Serial)
		}
	}
	var out []*ServerResult
	for i, s := range servers {
		a := serials[i]
		res := &ServerResult{Server: s.String(), Name: strings.TrimSuffix(zone, "."), Type: "SOA", State: StatePresent, Detail: fmt.Sprintf("serial %d", a.Serial)}
		switch {
		case a.Problem() != "":
			res.State, res.Detail = StateError, a.Problem()
		case len(a.RRs) == 0:
			res.State, res.Detail = StateError, "no SOA"
		case a.Serial < top:
			res.State, res.Detail = StateStale, fmt.Sprintf("serial %d, behind %d: the zone has not reached this server", a.Serial, top)
		}
		out = append(out, res)
	}
	return out
}

// compareRRset compares what a server answers with the records expected:
// present when it serves each of them, different when it serves other
// values of the same kind, missing otherwise. Other values at the name
// (a site verification beside the SPF) are not mailform's and do not
// count.
func compareRRset(a dnsquery.Answer, s dnsquery.Server, want []reconcile.Record) *ServerResult {
	res := &ServerResult{Server: s.String(), Name: want[0].Name, Type: want[0].Type, Purpose: want[0].Purpose}
	zone := mdns.CanonicalName(want[0].Name)
	var wantData []string
	for _, w := range want {
		norm, err := dns.Normalize(zone, libdns.RR{Name: "@", Type: w.Type, TTL: w.TTL, Data: w.Data})
		if err == nil {
			wantData = append(wantData, norm.Data)
		}
		if w.Pending {
			wantData = nil // a key made at the next apply: only its presence can be checked
			break
		}
	}
	res.Want = wantData
	var got []string
	for _, rr := range a.RRs {
		got = append(got, dns.FromMiekg(zone, rr).Data)
	}
	if prob := a.Problem(); prob != "" && !(a.Rcode == mdns.RcodeNameError && a.AA) {
		res.State, res.Detail = StateError, prob
		return res
	}
	mine := got
	if res.Type == "TXT" {
		mine = nil // only the values of the same kind: v=spf1, v=DMARC1, v=DKIM1
		for _, g := range got {
			for _, w := range wantData {
				if kindOfTXT(g) == kindOfTXT(w) {
					mine = append(mine, g)
					break
				}
			}
		}
	}
	res.Got = mine
	missing := false
	for _, w := range wantData {
		found := false
		for _, g := range mine {
			found = found || g == w
		}
		missing = missing || !found
	}
	switch {
	case len(mine) == 0:
		res.State = StateMissing
	case missing || (res.Type != "TXT" && len(mine) != len(wantData) && len(wantData) > 0):
		res.State = StateDifferent
	default:
		res.State = StatePresent
	}
	return res
}

// kindOfTXT is what a TXT value is, by its first tag.
func kindOfTXT(s string) string {
	tag, _, _ := strings.Cut(s, " ")
	tag, _, _ = strings.Cut(tag, ";")
	return strings.ToLower(tag)
}
