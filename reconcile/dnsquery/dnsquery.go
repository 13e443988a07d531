// Package dnsquery asks DNS servers directly: it finds the authoritative
// servers of a name's zone (or takes a pinned list) and queries each of
// them, without recursion, so that what every server serves can be told
// apart. Apply's ownership proof and mailform check use it.
//
// It only asks: it sends no update, and it asks a resolver to recurse only
// to find a zone's servers or a host's addresses.
package dnsquery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
)

// Timeout bounds one query.
const Timeout = 5 * time.Second

// Port is the port of the servers an NS set names: 53, or
// $MAILFORM_DNS_PORT where a network's DNS servers listen elsewhere.
func Port() string {
	if p := os.Getenv("MAILFORM_DNS_PORT"); p != "" {
		return p
	}
	return "53"
}

// Server is an authoritative server: its name (from the NS set, or the
// pinned address) and the address queries go to.
type Server struct {
	Name string
	Addr string // host:port
}

// String names the server as a report shows it: its name, and its
// address when that is not the name.
func (s Server) String() string {
	if s.Name == s.Addr || s.Addr == "" {
		return strings.TrimSuffix(s.Name, ".")
	}
	return fmt.Sprintf("%s (%s)", strings.TrimSuffix(s.Name, "."), s.Addr)
}

// Resolver finds authoritative servers.
type Resolver struct {
	Addr string // host:port of a recursive resolver
}

// SystemResolver is $MAILFORM_DNS_RESOLVER, else the first nameserver of
// /etc/resolv.conf.
func SystemResolver() (string, error) {
	if env := os.Getenv("MAILFORM_DNS_RESOLVER"); env != "" {
		return env, nil
	}
	conf, err := mdns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil {
		return "", fmt.Errorf("no resolver: %w (set the platform's dns_resolver)", err)
	}
	if len(conf.Servers) == 0 {
		return "", errors.New("no resolver in /etc/resolv.conf (set the platform's dns_resolver)")
	}
	return net.JoinHostPort(conf.Servers[0], conf.Port), nil
}

// Pinned turns a pinned list (host:port each) into servers.
func Pinned(addrs []string) []Server {
	out := make([]Server, len(addrs))
	for i, a := range addrs {
		out[i] = Server{Name: a, Addr: a}
	}
	return out
}

// Authoritative finds the zone holding name and its servers: the zone by
// an SOA query, the servers from its NS set, each address from the
// resolver.
func (r Resolver) Authoritative(ctx context.Context, name string) (zone string, servers []Server, err error) {
	if r.Addr == "" {
		if r.Addr, err = SystemResolver(); err != nil {
			return "", nil, err
		}
	}
	name = mdns.CanonicalName(name)
	m, err := Ask(ctx, r.Addr, name, mdns.TypeSOA, true)
	if err != nil {
		return "", nil, fmt.Errorf("resolver %s: %w", r.Addr, err)
	}
	for _, rr := range append(m.Answer, m.Ns...) {
		if soa, ok := rr.(*mdns.SOA); ok {
			zone = mdns.CanonicalName(soa.Hdr.Name)
			break
		}
	}
	if zone == "" {
		return "", nil, fmt.Errorf("resolver %s finds no zone holding %s (%s)", r.Addr, name, mdns.RcodeToString[m.Rcode])
	}
	m, err = Ask(ctx, r.Addr, zone, mdns.TypeNS, true)
	if err != nil {
		return "", nil, fmt.Errorf("resolver %s: %w", r.Addr, err)
	}
	servers = r.servers(ctx, m.Answer, nil)
	if len(servers) == 0 {
		return "", nil, fmt.Errorf("resolver %s finds no NS records for %s", r.Addr, zone)
	}
	return zone, servers, nil
}

// Delegation follows a referral to the servers of the child zone: the
// addresses of its NS set from the referral's glue, else from the
// resolver.
func (r Resolver) Delegation(ctx context.Context, a Answer) (zone string, servers []Server, err error) {
	if len(a.Ref) == 0 {
		return "", nil, errors.New("not a referral")
	}
	zone = mdns.CanonicalName(a.Ref[0].Header().Name)
	servers = r.servers(ctx, a.Ref, a.Glue)
	if len(servers) == 0 {
		return "", nil, fmt.Errorf("the referral to %s names no servers", zone)
	}
	return zone, servers, nil
}

// servers turns NS records into servers, each address from glue (A and
// AAAA records) or else from the resolver. A name without an address is
// kept, to be reported as unreachable.
func (r Resolver) servers(ctx context.Context, nsSet, glue []mdns.RR) []Server {
	var servers []Server
	for _, rr := range nsSet {
		ns, ok := rr.(*mdns.NS)
		if !ok {
			continue
		}
		host := mdns.CanonicalName(ns.Ns)
		var own []mdns.RR
		for _, g := range glue {
			if mdns.CanonicalName(g.Header().Name) == host {
				own = append(own, g)
			}
		}
		addrs := Addrs(own)
		if len(addrs) == 0 {
			addrs, _ = r.Addresses(ctx, host)
		}
		if len(addrs) == 0 {
			servers = append(servers, Server{Name: host})
			continue
		}
		for _, a := range addrs {
			servers = append(servers, Server{Name: host, Addr: net.JoinHostPort(a, Port())})
		}
	}
	sort.Slice(servers, func(i, j int) bool { return servers[i].Name+servers[i].Addr < servers[j].Name+servers[j].Addr })
	return servers
}

// Addresses asks the resolver for a host's addresses (it follows CNAMEs).
func (r Resolver) Addresses(ctx context.Context, host string) ([]string, error) {
	if r.Addr == "" {
		var err error
		if r.Addr, err = SystemResolver(); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, t := range []uint16{mdns.TypeA, mdns.TypeAAAA} {
		m, err := Ask(ctx, r.Addr, host, t, true)
		if err != nil {
			return nil, err
		}
		out = append(out, Addrs(m.Answer)...)
	}
	return out, nil
}

// Addrs lists the addresses of the A and AAAA records among rrs.
func Addrs(rrs []mdns.RR) []string {
	var out []string
	for _, rr := range rrs {
		switch a := rr.(type) {
		case *mdns.A:
			out = append(out, a.A.String())
		case *mdns.AAAA:
			out = append(out, a.AAAA.String())
		}
	}
	return out
}

// Ask sends one query to server, over UDP and again over TCP when the
// answer is truncated. recurse sets the RD bit (for a resolver).
func Ask(ctx context.Context, server, name string, qtype uint16, recurse bool) (*mdns.Msg, error) {
	m := new(mdns.Msg)
	m.SetQuestion(mdns.CanonicalName(name), qtype)
	m.RecursionDesired = recurse
	m.SetEdns0(4096, false)
	c := &mdns.Client{Timeout: Timeout}
	r, _, err := c.ExchangeContext(ctx, m, server)
	if err == nil && r.Truncated {
		c.Net = "tcp"
		r, _, err = c.ExchangeContext(ctx, m, server)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", strings.TrimSuffix(name, "."), mdns.TypeToString[qtype], err)
	}
	return r, nil
}

// Answer is what one authoritative server answers for a name and type.
type Answer struct {
	Server Server
	Err    error     // no answer at all
	Rcode  int       // NOERROR, NXDOMAIN, REFUSED…
	AA     bool      // authoritative
	RRs    []mdns.RR // the answer section, of the type asked
	Serial uint32    // the zone's SOA serial, where the server gave it
	Ref    []mdns.RR // NS records of a referral (a delegated child zone)
	Glue   []mdns.RR // addresses of the referral's servers
}

// Query asks one server, without recursion.
func Query(ctx context.Context, s Server, name string, qtype uint16) Answer {
	a := Answer{Server: s}
	if s.Addr == "" {
		a.Err = fmt.Errorf("no address found for %s", s.Name)
		return a
	}
	m, err := Ask(ctx, s.Addr, name, qtype, false)
	if err != nil {
		a.Err = err
		return a
	}
	a.Rcode, a.AA = m.Rcode, m.Authoritative
	for _, rr := range m.Answer {
		if rr.Header().Rrtype == qtype {
			a.RRs = append(a.RRs, rr)
		}
	}
	for _, rr := range m.Extra {
		if t := rr.Header().Rrtype; t == mdns.TypeA || t == mdns.TypeAAAA {
			a.Glue = append(a.Glue, rr)
		}
	}
	for _, rr := range m.Ns {
		switch x := rr.(type) {
		case *mdns.SOA:
			a.Serial = x.Serial
		case *mdns.NS:
			if !m.Authoritative {
				a.Ref = append(a.Ref, x)
			}
		}
	}
	return a
}

// Problem says in a few words what an answer means for the records
// expected, or "" when it holds them.
func (a Answer) Problem() string {
	switch {
	case a.Err != nil:
		return "no answer: " + a.Err.Error()
	case a.Rcode == mdns.RcodeRefused:
		return "REFUSED: the server does not serve this zone"
	case a.Rcode == mdns.RcodeServerFailure:
		return "SERVFAIL"
	case !a.AA && len(a.Ref) > 0:
		return "referral: a delegated zone"
	case !a.AA:
		return "not authoritative for this zone"
	case a.Rcode == mdns.RcodeNameError:
		return "NXDOMAIN (no such name)"
	}
	return ""
}

// Has reports whether the answer holds a record of the type with data
// (in the canonical form of providers/dns: for an A record, the address).
func (a Answer) Has(data func(mdns.RR) bool) bool {
	for _, rr := range a.RRs {
		if data(rr) {
			return true
		}
	}
	return false
}
