package dnstest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/libdns/libdns"
	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/providers/dns"
)

// Memory is a libdns provider that keeps its zones in memory, written to
// libdns v1's contracts the way a hosted DNS service's package is: typed
// records out, SetRecords replacing whole rrsets, DeleteRecords matching
// exactly or by wildcard. It stands in for the services tests cannot reach.
type Memory struct {
	mu    sync.Mutex
	zones map[string][]libdns.RR // zone → records, names relative
	// Fail, when set, fails every write to a name it returns true for.
	Fail func(name string) bool
}

// NewMemory returns a provider without zones.
func NewMemory() *Memory { return &Memory{zones: map[string][]libdns.RR{}} }

// Load adds a zone from zone-file text (relative names allowed, the SOA
// skipped).
func (m *Memory) Load(zone, text string) error {
	zone = mdns.CanonicalName(zone)
	zp := mdns.NewZoneParser(strings.NewReader(text), zone, "")
	var recs []libdns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if rr.Header().Rrtype == mdns.TypeSOA {
			continue
		}
		recs = append(recs, dns.FromMiekg(zone, rr))
	}
	if err := zp.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.zones[zone] = recs
	return nil
}

func (m *Memory) zone(zone string) ([]libdns.RR, error) {
	recs, ok := m.zones[mdns.CanonicalName(zone)]
	if !ok {
		return nil, fmt.Errorf("zone %s not found", zone)
	}
	return recs, nil
}

// typed is what a libdns provider returns: the record's own struct type.
func typed(rr libdns.RR) libdns.Record {
	if r, err := rr.Parse(); err == nil {
		return r
	}
	return rr
}

// stored is a record as Memory keeps it.
func stored(r libdns.Record) libdns.RR {
	rr := r.RR()
	rr.Name = strings.ToLower(rr.Name)
	return rr
}

// GetRecords returns the zone's records, typed.
func (m *Memory) GetRecords(_ context.Context, zone string) ([]libdns.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.zone(zone)
	if err != nil {
		return nil, err
	}
	out := make([]libdns.Record, len(recs))
	for i, rr := range recs {
		out[i] = typed(rr)
	}
	return out, nil
}

// SetRecords makes the input's records the only members of their rrsets.
func (m *Memory) SetRecords(_ context.Context, zone string, in []libdns.Record) ([]libdns.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.zone(zone)
	if err != nil {
		return nil, err
	}
	sets := map[[2]string]bool{}
	for _, r := range in {
		rr := stored(r)
		if m.Fail != nil && m.Fail(rr.Name) {
			return nil, fmt.Errorf("the service refused %s %s", rr.Name, rr.Type)
		}
		sets[[2]string{rr.Name, rr.Type}] = true
	}
	var kept []libdns.RR
	for _, rr := range recs {
		if !sets[[2]string{strings.ToLower(rr.Name), rr.Type}] {
			kept = append(kept, rr)
		}
	}
	for _, r := range in {
		kept = append(kept, stored(r))
	}
	m.zones[mdns.CanonicalName(zone)] = kept
	return in, nil
}

// DeleteRecords deletes the records that match the input exactly, an
// empty type, TTL or data matching any.
func (m *Memory) DeleteRecords(_ context.Context, zone string, in []libdns.Record) ([]libdns.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.zone(zone)
	if err != nil {
		return nil, err
	}
	var kept []libdns.RR
	var deleted []libdns.Record
	for _, rr := range recs {
		match := false
		for _, r := range in {
			want := stored(r)
			if m.Fail != nil && m.Fail(want.Name) {
				return nil, fmt.Errorf("the service refused %s %s", want.Name, want.Type)
			}
			if want.Name == strings.ToLower(rr.Name) && (want.Type == "" || want.Type == rr.Type) &&
				(want.TTL == 0 || want.TTL == rr.TTL) && (want.Data == "" || want.Data == rr.Data) {
				match = true
			}
		}
		if match {
			deleted = append(deleted, typed(rr))
		} else {
			kept = append(kept, rr)
		}
	}
	m.zones[mdns.CanonicalName(zone)] = kept
	return deleted, nil
}

// ListZones lists the zones.
func (m *Memory) ListZones(context.Context) ([]libdns.Zone, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []libdns.Zone
	for z := range m.zones {
		out = append(out, libdns.Zone{Name: z})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Interface guards.
var (
	_ libdns.RecordGetter  = (*Memory)(nil)
	_ libdns.RecordSetter  = (*Memory)(nil)
	_ libdns.RecordDeleter = (*Memory)(nil)
	_ libdns.ZoneLister    = (*Memory)(nil)
)
