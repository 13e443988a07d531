package plan

import (
	"errors"
	"fmt"
	"strings"
)

// ErrDestroy and ErrForce are the safety refusals callers test for.
var (
	ErrDestroy = errors.New("the plan destroys mail; apply it with --allow-destroy")
	ErrForce   = errors.New("the plan changes a large part of a zone; apply it with --force")
)

// Destroys lists the changes that delete a mailbox, domain or tenant.
func (p *Plan) Destroys() []*Change {
	var out []*Change
	for _, c := range p.Changes {
		if c.Destroys {
			out = append(out, c)
		}
	}
	return out
}

// ForceNeeded lists the zones whose changes pass their threshold.
func (p *Plan) ForceNeeded() []*ZoneSummary {
	var out []*ZoneSummary
	for _, z := range p.Zones {
		if z.NeedsForce {
			out = append(out, z)
		}
	}
	return out
}

// Check refuses a plan that destroys mail without allowDestroy, or passes a
// zone's threshold without force, naming each object and zone.
func (p *Plan) Check(allowDestroy, force bool) error {
	var errs []error
	if d := p.Destroys(); len(d) > 0 && !allowDestroy {
		var names []string
		for _, c := range d {
			names = append(names, fmt.Sprintf("  - %s %s (%s)", c.Kind, c.Name, c.Address))
		}
		errs = append(errs, fmt.Errorf("%w:\n%s", ErrDestroy, strings.Join(names, "\n")))
	}
	if z := p.ForceNeeded(); len(z) > 0 && !force {
		var names []string
		for _, s := range z {
			names = append(names, fmt.Sprintf("  - zone %s at %s: %d of %d records updated or deleted, more than %d%%",
				strings.TrimSuffix(s.Zone, "."), s.Provider, s.Changed, s.Existing, s.ThresholdPercent))
		}
		errs = append(errs, fmt.Errorf("%w:\n%s", ErrForce, strings.Join(names, "\n")))
	}
	return errors.Join(errs...)
}
