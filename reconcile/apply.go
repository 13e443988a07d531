package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/internal/fault"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/mail"
)

// Step reports the progress of an apply: a group of changes about to be
// written (Done false) or written (Done true, Err set on failure).
type Step struct {
	What    string    // "backend main", "zone acme.example. at local"
	Changes []*Change // what the step writes
	Done    bool
	Err     error
}

// Result is what an apply did.
type Result struct {
	Applied []*Change // written
	Failed  []*Change // the step that failed: none of it was written
	Skipped []*Change // not tried, after the failure
	Err     error
}

// Apply writes a plan: first each backend, all its operations in one
// transaction (deletes child-first, then creates and updates parent-first,
// so that a name freed by a delete can be taken by a create), then each
// zone in one update. It stops at the first failure; what was written stays
// written and a new plan picks up from there. The plan must have passed
// Check.
func Apply(ctx context.Context, p *Plan, provs *Providers, progress func(Step)) *Result {
	if progress == nil {
		progress = func(Step) {}
	}
	res := &Result{}
	steps, err := buildSteps(p, provs)
	if err != nil {
		res.Err = err
		res.Skipped = p.Changes
		return res
	}
	for i, s := range steps {
		progress(Step{What: s.what, Changes: s.changes})
		err := s.run(ctx)
		progress(Step{What: s.what, Changes: s.changes, Done: true, Err: err})
		if err != nil {
			res.Err = fmt.Errorf("%s: %w", s.what, err)
			res.Failed = s.changes
			for _, later := range steps[i+1:] {
				res.Skipped = append(res.Skipped, later.changes...)
			}
			return res
		}
		res.Applied = append(res.Applied, s.changes...)
		fault.Point("apply-step-done")
	}
	return res
}

type step struct {
	what    string
	changes []*Change
	run     func(context.Context) error
}

func buildSteps(p *Plan, provs *Providers) ([]step, error) {
	keys, err := makeKeys(p)
	if err != nil {
		return nil, err
	}
	var steps []step
	// Backends: one transaction each.
	byBackend := map[string][]*Change{}
	var backends []string
	for _, c := range p.Changes {
		if c.op == nil {
			continue
		}
		if _, seen := byBackend[c.Provider]; !seen {
			backends = append(backends, c.Provider)
		}
		byBackend[c.Provider] = append(byBackend[c.Provider], c)
	}
	for _, name := range backends {
		b := provs.Mail[name]
		if b == nil {
			return nil, fmt.Errorf("backend %q is not open", name)
		}
		changes := executionOrder(byBackend[name])
		ops := make([]mail.Op, len(changes))
		for i, c := range changes {
			ops[i] = *c.op
		}
		steps = append(steps, step{what: fmt.Sprintf("backend %s", name), changes: changes,
			run: func(ctx context.Context) error { return b.Apply(ctx, ops) }})
	}
	// Zones: created first, then updated in one request each.
	type zoneKey struct{ provider, zone string }
	byZone := map[zoneKey][]*Change{}
	var zones []zoneKey
	for _, c := range p.Changes {
		if c.Kind != KindZone && c.Kind != KindRecords {
			continue
		}
		k := zoneKey{c.Provider, c.Zone}
		if _, seen := byZone[k]; !seen {
			zones = append(zones, k)
		}
		byZone[k] = append(byZone[k], c)
	}
	for _, z := range zones {
		prov := provs.DNS[z.provider]
		if prov == nil {
			return nil, fmt.Errorf("dns_provider %q is not open", z.provider)
		}
		changes := byZone[z]
		create := false
		var records []*Change
		for _, c := range changes {
			if c.Kind == KindZone {
				create = true
			} else {
				records = append(records, c)
			}
		}
		sets, err := rrsets(records, keys)
		if err != nil {
			return nil, err
		}
		steps = append(steps, step{what: fmt.Sprintf("zone %s at %s", strings.TrimSuffix(z.zone, "."), z.provider), changes: changes,
			run: func(ctx context.Context) error { return writeZone(ctx, prov, z.zone, create, sets) }})
	}
	return steps, nil
}

// executionOrder puts a backend's changes in the order they are written:
// deletes first (the plan lists them child-first), then creates and updates
// (listed parent-first).
func executionOrder(cs []*Change) []*Change {
	var out []*Change
	for _, c := range cs {
		if c.Action == Delete {
			out = append(out, c)
		}
	}
	for _, c := range cs {
		if c.Action != Delete {
			out = append(out, c)
		}
	}
	return out
}

// makeKeys makes the DKIM keys the plan creates, so that the backend stores
// the private key and the zone publishes the public one.
func makeKeys(p *Plan) (map[string]*mail.DKIMKey, error) {
	keys := map[string]*mail.DKIMKey{}
	for _, c := range p.Changes {
		if c.Kind == KindDKIMKey && (c.Action == Create || c.Action == Replace) {
			k := c.op.DKIMKey
			if k.PublicKey == "" {
				if err := generateKey(k); err != nil {
					return nil, fmt.Errorf("%s: %w", c.Address, err)
				}
			}
			keys[k.Selector+"._domainkey."+k.Domain] = k
		}
	}
	return keys, nil
}

// rrsets merges a zone's record changes into the rrsets to write: of each
// rrset, the records no change manages stay, and each change's records
// become what it wants.
func rrsets(changes []*Change, keys map[string]*mail.DKIMKey) ([]dns.RRSet, error) {
	type key struct{ name, typ string }
	merged := map[key]*dns.RRSet{}
	var order []key
	for _, c := range changes {
		s := c.set
		want := s.want
		if s.pending {
			k := keys[s.selector+"._domainkey."+s.domain]
			if k == nil {
				return nil, fmt.Errorf("%s: its DKIM key is made by another change that this apply does not include", c.Address)
			}
			want = nil
			for _, rr := range s.want {
				rr.Data = dkimText(k.Algorithm, k.PublicKey)
				want = append(want, rr)
			}
		}
		k := key{s.name, s.typ}
		m := merged[k]
		if m == nil {
			m = &dns.RRSet{Name: s.name, Type: s.typ, Records: append([]libdns.RR(nil), s.live...)}
			merged[k] = m
			order = append(order, k)
		}
		m.Records = append(without(m.Records, s.owned), want...)
	}
	out := make([]dns.RRSet, 0, len(order))
	for _, k := range order {
		out = append(out, *merged[k])
	}
	return out, nil
}

func without(rrs, drop []libdns.RR) []libdns.RR {
	var out []libdns.RR
	for _, rr := range rrs {
		gone := false
		for _, d := range drop {
			if rr == d {
				gone = true
			}
		}
		if !gone {
			out = append(out, rr)
		}
	}
	return out
}

// writeZone creates a zone if needed, then writes its rrsets: in one
// request where the provider can, else rrset by rrset.
func writeZone(ctx context.Context, prov dns.Provider, zone string, create bool, sets []dns.RRSet) error {
	if create {
		zc, ok := prov.(dns.ZoneCreator)
		if !ok {
			return errors.New("the provider cannot create zones")
		}
		if err := zc.CreateZone(ctx, zone); err != nil {
			return err
		}
	}
	if len(sets) == 0 {
		return nil
	}
	if u, ok := prov.(dns.Updater); ok {
		return u.UpdateZone(ctx, zone, sets)
	}
	return dns.SetRRSets(ctx, prov, zone, sets)
}
