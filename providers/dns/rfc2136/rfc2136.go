// Package rfc2136 is the DNS provider for any name server that takes RFC
// 2136 dynamic updates: BIND, Knot, PowerDNS and others. It reads a zone by
// zone transfer (AXFR) and writes all the changes of a zone in one UPDATE
// message, which the server applies all or nothing; both are signed with a
// TSIG key. It never creates or deletes a zone: that is the server's
// configuration.
package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/libdns/libdns"
	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/schema"
)

func init() {
	providers.RegisterDNS("rfc2136", func(_ context.Context, cfg providers.Config) (dns.Provider, error) {
		secret, err := cfg.Secret("tsig_secret")
		if err != nil {
			return nil, err
		}
		server, err := cfg.Secret("server")
		if err != nil {
			return nil, err
		}
		return New(server, Key{Name: cfg.String("tsig_key", ""), Algorithm: cfg.String("tsig_algorithm", "hmac-sha256"), Secret: secret})
	})
}

// Key is a TSIG key.
type Key struct {
	Name      string // as the server knows it
	Algorithm string // hmac-sha256 or hmac-sha512
	Secret    string // base64
}

// Provider talks to one primary server.
type Provider struct {
	server  string // host:port
	key     Key
	timeout time.Duration
}

// New returns a provider for the server at host:port (port 53 when none is
// given). Without a key name, requests are not signed.
func New(server string, key Key) (*Provider, error) {
	if server == "" {
		return nil, errors.New("rfc2136: no server")
	}
	server = schema.HostPort(server, "53")
	if key.Name != "" {
		key.Name = mdns.CanonicalName(key.Name)
		switch strings.ToLower(key.Algorithm) {
		case "", "hmac-sha256":
			key.Algorithm = mdns.HmacSHA256
		case "hmac-sha512":
			key.Algorithm = mdns.HmacSHA512
		default:
			return nil, fmt.Errorf("rfc2136: TSIG algorithm %q: use hmac-sha256 or hmac-sha512", key.Algorithm)
		}
		if key.Secret == "" {
			return nil, fmt.Errorf("rfc2136: TSIG key %s has no secret: set tsig_secret = env(\"NAME\")", strings.TrimSuffix(key.Name, "."))
		}
	}
	return &Provider{server: server, key: key, timeout: 10 * time.Second}, nil
}

// Capabilities: the types mailform writes, any TTL, atomic zone updates.
// Zones are found by asking the server, never created.
func (p *Provider) Capabilities() dns.Capabilities {
	return dns.Capabilities{
		RecordTypes:    []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TLSA", "TXT"},
		ParallelWrites: true,
	}
}

func (p *Provider) where(zone string) string {
	return fmt.Sprintf("server %s, zone %s", p.server, strings.TrimSuffix(mdns.CanonicalName(zone), "."))
}

func (p *Provider) sign(m *mdns.Msg) {
	if p.key.Name != "" {
		m.SetTsig(p.key.Name, p.key.Algorithm, 300, time.Now().Unix())
	}
}

func (p *Provider) secrets() map[string]string {
	if p.key.Name == "" {
		return nil
	}
	return map[string]string{p.key.Name: p.key.Secret}
}

// FindZone asks the server for the zone that holds name: the name itself
// when it is a zone's apex, the enclosing zone the server is authoritative
// for, or "" when the server serves none.
func (p *Provider) FindZone(ctx context.Context, name string) (string, error) {
	m := new(mdns.Msg)
	m.SetQuestion(mdns.CanonicalName(name), mdns.TypeSOA)
	c := &mdns.Client{Net: "tcp", Timeout: p.timeout}
	r, _, err := c.ExchangeContext(ctx, m, p.server)
	if err != nil {
		return "", p.netError(name, err)
	}
	if r.Rcode == mdns.RcodeRefused || r.Rcode == mdns.RcodeNotAuth || !r.Authoritative {
		return "", nil // not served here, or delegated away
	}
	for _, sec := range [][]mdns.RR{r.Answer, r.Ns} {
		for _, rr := range sec {
			if soa, ok := rr.(*mdns.SOA); ok {
				return mdns.CanonicalName(soa.Hdr.Name), nil
			}
		}
	}
	return "", nil
}

// GetRecords reads the zone by AXFR: every record but the SOA.
func (p *Provider) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	rrs, err := p.GetCanonical(ctx, zone)
	if err != nil {
		return nil, err
	}
	out := make([]libdns.Record, len(rrs))
	for i, rr := range rrs {
		out[i] = rr
	}
	return out, nil
}

// GetCanonical reads a zone by AXFR: its records, all but the SOA, in
// canonical form. A transfer the server answers with SERVFAIL is asked
// again twice, a little later: BIND answers so when its outgoing transfers
// are at their limit (transfers-out, 10 by default), which a plan reading
// many zones at once can reach.
func (p *Provider) GetCanonical(ctx context.Context, zone string) ([]libdns.RR, error) {
	zone = mdns.CanonicalName(zone)
	var err error
	for attempt, wait := range []time.Duration{0, 200 * time.Millisecond, time.Second} {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		var rrs []libdns.RR
		var code int
		if rrs, code, err = p.transfer(ctx, zone); code != mdns.RcodeServerFailure || attempt == 2 {
			return rrs, err
		}
	}
	return nil, err
}

// transfer reads a zone by AXFR once; code is the rcode of a transfer the
// server refused.
func (p *Provider) transfer(ctx context.Context, zone string) ([]libdns.RR, int, error) {
	m := new(mdns.Msg)
	m.SetAxfr(zone)
	p.sign(m)
	conn, err := p.dial(ctx)
	if err != nil {
		return nil, 0, p.netError(zone, err)
	}
	defer conn.Close()
	tr := &mdns.Transfer{Conn: conn, TsigSecret: p.secrets(), ReadTimeout: p.timeout}
	env, err := tr.In(m, p.server)
	if err != nil {
		return nil, xfrRcode(err), p.transferError(ctx, zone, err)
	}
	var out []libdns.RR
	for e := range env {
		if e.Error != nil {
			for range env {
			}
			return nil, xfrRcode(e.Error), p.transferError(ctx, zone, e.Error)
		}
		for _, rr := range e.RR {
			if rr.Header().Rrtype == mdns.TypeSOA {
				continue
			}
			out = append(out, dns.FromMiekg(zone, rr))
		}
	}
	return out, 0, nil
}

// xfrRcode is the rcode a failed transfer was answered with, or 0.
func xfrRcode(err error) int {
	var code int
	if _, scanErr := fmt.Sscanf(err.Error(), "dns: bad xfr rcode: %d", &code); scanErr != nil {
		return 0
	}
	return code
}

func (p *Provider) dial(ctx context.Context) (*mdns.Conn, error) {
	d := net.Dialer{Timeout: p.timeout}
	c, err := d.DialContext(ctx, "tcp", p.server)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	return &mdns.Conn{Conn: c, TsigSecret: p.secrets()}, nil
}

// UpdateZone replaces the rrsets in one UPDATE message. Address rrsets go
// first, since a server may refuse an MX or SRV whose target in the zone
// has no address yet.
func (p *Provider) UpdateZone(ctx context.Context, zone string, sets []dns.RRSet) error {
	zone = mdns.CanonicalName(zone)
	sets = append([]dns.RRSet(nil), sets...)
	sort.SliceStable(sets, func(i, j int) bool { return isAddress(sets[i].Type) && !isAddress(sets[j].Type) })
	m := new(mdns.Msg)
	m.SetUpdate(zone)
	for _, s := range sets {
		typ, ok := mdns.StringToType[strings.ToUpper(s.Type)]
		if !ok {
			return fmt.Errorf("%s: unknown record type %s", p.where(zone), s.Type)
		}
		name := libdns.AbsoluteName(s.Name, zone)
		m.RemoveRRset([]mdns.RR{&mdns.ANY{Hdr: mdns.RR_Header{Name: mdns.Fqdn(name), Rrtype: typ, Class: mdns.ClassINET}}})
		var rrs []mdns.RR
		for _, rec := range s.Records {
			rr, err := dns.ToMiekg(zone, rec)
			if err != nil {
				return fmt.Errorf("%s: %w", p.where(zone), err)
			}
			rrs = append(rrs, rr)
		}
		if len(rrs) > 0 {
			m.Insert(rrs)
		}
	}
	p.sign(m)
	c := &mdns.Client{Net: "tcp", Timeout: p.timeout, TsigSecret: p.secrets()}
	r, _, err := c.ExchangeContext(ctx, m, p.server)
	var op *net.OpError
	switch {
	case r != nil && (r.Rcode != mdns.RcodeSuccess || err != nil):
		// Refused, or unsigned or badly signed because the key is wrong:
		// the answer says which.
		return p.rcodeError(zone, "update", r)
	case errors.As(err, &op) && op.Op == "dial":
		return fmt.Errorf("%s; nothing was changed", p.netError(zone, err))
	case err != nil:
		return fmt.Errorf("%s: update: %w; the server may or may not have applied it: plan again to see", p.where(zone), err)
	}
	return nil
}

func isAddress(t string) bool { return t == "A" || t == "AAAA" }

// netError explains a failure to reach the server.
func (p *Provider) netError(zone string, err error) error {
	return fmt.Errorf("%s: cannot reach the server (%v): check that it runs and that server = %q is its address", p.where(zone), err, p.server)
}

// transferError explains a failed AXFR.
func (p *Provider) transferError(ctx context.Context, zone string, err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return p.netError(zone, err)
	}
	if z, findErr := p.FindZone(ctx, zone); findErr == nil && z != zone {
		return fmt.Errorf("%s: zone transfer: the server does not serve this zone: check the zone's name and server = %q", p.where(zone), p.server)
	}
	if errors.Is(err, mdns.ErrAuth) || errors.Is(err, mdns.ErrSig) || errors.Is(err, mdns.ErrSecret) || errors.Is(err, mdns.ErrKeyAlg) {
		return fmt.Errorf("%s: zone transfer: the answer's TSIG signature does not verify: check tsig_key, tsig_algorithm and tsig_secret (does the server know the key %s?)", p.where(zone), p.keyName())
	}
	if code := xfrRcode(err); code != 0 {
		return p.rcodeError(zone, "zone transfer", &mdns.Msg{MsgHdr: mdns.MsgHdr{Rcode: code}})
	}
	return fmt.Errorf("%s: zone transfer: %w", p.where(zone), err)
}

// rcodeError explains what the server answered, from its rcode and the
// error in its TSIG record.
func (p *Provider) rcodeError(zone, what string, r *mdns.Msg) error {
	var fix string
	tsigErr := uint16(0)
	if t := r.IsTsig(); t != nil {
		tsigErr = t.Error
	}
	switch {
	case tsigErr == mdns.RcodeBadKey:
		fix = "the server does not know the TSIG key " + p.keyName() + ": check tsig_key and tsig_algorithm"
	case tsigErr == mdns.RcodeBadSig:
		fix = "the server does not accept the signature of the TSIG key " + p.keyName() + ": check tsig_secret"
	case tsigErr == mdns.RcodeBadTime:
		fix = "the server's clock and this machine's differ by more than 5 minutes"
	case r.Rcode == mdns.RcodeRefused:
		fix = "the server refused it: give the TSIG key " + p.keyName() + " the right to " + what + " this zone (BIND: update-policy / allow-transfer; Knot: acl; PowerDNS: TSIG-ALLOW-DNSUPDATE / TSIG-ALLOW-AXFR)"
	case r.Rcode == mdns.RcodeNotAuth:
		fix = "the server is not authoritative for the zone, or does not know the TSIG key " + p.keyName() + ": check the zone, server, tsig_key and tsig_secret"
	case r.Rcode == mdns.RcodeNotZone:
		fix = "a name is outside the zone"
	case r.Rcode == mdns.RcodeServerFailure && what == "zone transfer":
		fix = "the server failed, three times: see its log (BIND answers so when its outgoing transfers are at their limit: lower --concurrency, or raise transfers-out)"
	case r.Rcode == mdns.RcodeServerFailure:
		fix = "the server failed: see its log"
	default:
		fix = "see the server's log"
	}
	suffix := ""
	if what == "update" {
		suffix = "; nothing was changed"
	}
	return fmt.Errorf("%s: %s answered %s: %s%s", p.where(zone), what, mdns.RcodeToString[r.Rcode], fix, suffix)
}

func (p *Provider) keyName() string {
	if p.key.Name == "" {
		return "(none set)"
	}
	return strings.TrimSuffix(p.key.Name, ".")
}

// Interface guards.
var (
	_ dns.Provider        = (*Provider)(nil)
	_ dns.Updater         = (*Provider)(nil)
	_ dns.ZoneFinder      = (*Provider)(nil)
	_ dns.CanonicalReader = (*Provider)(nil)
)
