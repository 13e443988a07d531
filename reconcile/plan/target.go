package plan

import (
	"fmt"
	"strings"
)

// Target keeps the changes at or under the given addresses, and the creates
// and updates of their parents that they need (a mailbox needs its domain).
// A target that matches nothing is an error, so that a typo does not pass
// for an empty plan.
func (p *Plan) Target(targets []string) (*Plan, error) {
	if len(targets) == 0 {
		return p, nil
	}
	keep := map[*Change]bool{}
	for _, t := range targets {
		t = strings.TrimSuffix(t, "/")
		matched := false
		for _, c := range p.Changes {
			if Under(c.Address, t) {
				keep[c] = true
				matched = true
			}
		}
		if !matched {
			return nil, fmt.Errorf("--target %s matches no change in the plan", t)
		}
	}
	for _, c := range p.Changes {
		if !keep[c] || c.Action == Delete {
			continue
		}
		for _, parent := range p.Changes {
			switch {
			case parent.Action == Delete || parent == c:
			case parent.Kind != KindRecords && Under(c.Address, parent.Address):
				keep[parent] = true // the tenant and domain it lives in
			case parent.Kind == KindZone && c.Kind == KindRecords && parent.Provider == c.Provider && parent.Zone == c.Zone:
				keep[parent] = true // the zone it goes into
			case parent.Kind == KindDKIMKey && c.RRSet != nil && c.RRSet.PendingKey == parent.Name:
				keep[parent] = true // the key it publishes
			}
		}
	}
	out := *p
	out.Changes = nil
	for _, c := range p.Changes {
		if keep[c] {
			out.Changes = append(out.Changes, c)
		}
	}
	var notes []*Note
	for _, n := range p.Notes {
		for c := range keep {
			if Under(c.Address, n.Address) || Under(n.Address, c.Address) {
				notes = append(notes, n)
				break
			}
		}
	}
	out.Notes = notes
	out.Zones = nil
	for _, z := range p.Zones {
		for c := range keep {
			if c.Kind == KindRecords && c.Provider == z.Provider && c.Zone == z.Zone {
				out.Zones = append(out.Zones, z)
				break
			}
		}
	}
	return &out, nil
}
