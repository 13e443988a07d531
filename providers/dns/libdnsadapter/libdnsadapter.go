// Package libdnsadapter makes any libdns v1 provider a mailform DNS
// provider: its capabilities declared as data, so that a plan is checked
// against them before a request is made, its typed records read into
// mailform's canonical form, and a zone's rrsets written one by one through
// SetRecords and DeleteRecords. Cloudflare and Route 53 are compiled in and
// configured by name (see hosted.go). It never writes a record type the
// wrapped provider does not declare.
package libdnsadapter

import (
	"context"
	"fmt"
	"strings"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/providers/dns"
)

// Client is what a libdns provider must implement to be used: read a zone,
// set rrsets and delete them.
type Client interface {
	libdns.RecordGetter
	libdns.RecordSetter
	libdns.RecordDeleter
}

// Provider wraps a libdns provider.
type Provider struct {
	name   string // the service, for errors: "cloudflare"
	client Client
	caps   dns.Capabilities
}

// lister is a Provider whose client lists its zones.
type lister struct {
	*Provider
	zones libdns.ZoneLister
}

// New wraps client. caps says which record types and TTLs the service
// keeps; zones are never created. The provider lists zones when the
// client does (it is then a libdns.ZoneLister), and writes rrset by
// rrset, so that a failed write says how far it got (dns.PartialError).
func New(name string, client Client, caps dns.Capabilities) dns.Provider {
	caps.CreateZones = false
	p := &Provider{name: name, client: client, caps: caps}
	if zl, ok := client.(libdns.ZoneLister); ok {
		return &lister{p, zl}
	}
	return p
}

// Capabilities are those declared at New.
func (p *Provider) Capabilities() dns.Capabilities { return p.caps }

func (p *Provider) where(zone string) string {
	return fmt.Sprintf("%s, zone %s", p.name, strings.TrimSuffix(zone, "."))
}

// GetRecords reads the zone; each record is returned as the service gave it
// and normalised by the caller.
func (p *Provider) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	recs, err := p.client.GetRecords(ctx, zone)
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", p.where(zone), err)
	}
	out := make([]libdns.Record, 0, len(recs))
	for _, r := range recs {
		if rr := r.RR(); rr.Type != "SOA" {
			out = append(out, rr)
		}
	}
	return out, nil
}

// UpdateZone writes the rrsets one by one. It is not atomic: a failure
// says which rrsets were written before it.
func (p *Provider) UpdateZone(ctx context.Context, zone string, sets []dns.RRSet) error {
	if err := dns.SetRRSets(ctx, p.client, zone, sets); err != nil {
		return fmt.Errorf("%s: %w", p.where(zone), err)
	}
	return nil
}

// ListZones lists the service's zones.
func (l *lister) ListZones(ctx context.Context) ([]libdns.Zone, error) {
	zones, err := l.zones.ListZones(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: list zones: %w", l.name, err)
	}
	return zones, nil
}

// Interface guards.
var (
	_ dns.Provider      = (*Provider)(nil)
	_ dns.Updater       = (*Provider)(nil)
	_ libdns.ZoneLister = (*lister)(nil)
)
