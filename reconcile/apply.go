package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/internal/fault"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/reconcile/plan"
	"github.com/mailform/mailform/schema/parallel"
)

// Step reports the progress of an apply: a group of changes about to be
// written (Done false) or written (Done true, Err set on failure).
type Step struct {
	What    string         // "backend main", "zone acme.example. at local"
	Changes []*plan.Change // what the step writes
	Done    bool
	Check   bool // a check of the live side (an ownership proof), not a write
	Err     error
}

// Result is what an apply did.
type Result struct {
	Applied []*plan.Change // written
	Failed  []*plan.Change // not written by the steps that failed (an atomic backend or zone writes none of a failed step's)
	Skipped []*plan.Change // not tried, after the failure
	// Pending are the changes of domains whose owners have not published
	// their ownership record yet: the domain is written pending, the rest
	// waits for a later apply. Proofs says what each server answered.
	Pending []*plan.Change
	Proofs  []ProofResult
	Err     error
}

// Apply writes a plan: first each backend, all its operations in one
// transaction (deletes child-first, then creates and updates parent-first,
// so that a name freed by a delete can be taken by a create), then the
// zones, each in one update, several at a time (Providers.Concurrency).
// A domain or alias domain with an ownership proof to make is written
// pending in that first transaction; once its DNS is written and every
// authoritative server answers its ownership record, a second transaction
// activates it and creates its mailboxes and aliases.
// Apply stops at the first failure; what was written stays written and a
// new plan picks up from there. The plan must have passed Check.
func Apply(ctx context.Context, p *plan.Plan, provs *Providers, progress func(Step)) *Result {
	if progress == nil {
		progress = func(Step) {}
	}
	res := &Result{}
	proofs := append([]*plan.Proof(nil), p.Proofs...)
	for _, pr := range p.DKIM {
		cp := *pr // given the key's text below: the plan stays as it was shown
		proofs = append(proofs, &cp)
	}
	pending := map[string]bool{}
	for _, pr := range proofs {
		pending[pr.Gate()] = true
	}
	var first, gated []*plan.Change
	for _, c := range p.Changes {
		if len(gates(c, pending, nil)) > 0 {
			gated = append(gated, c)
		} else {
			first = append(first, c)
		}
	}
	keys, err := makeKeys(p)
	for _, pr := range proofs[len(p.Proofs):] {
		if k := keys[pr.Selector+"._domainkey."+pr.Domain]; k != nil && pr.TXT == "" {
			pr.TXT = dkimText(k.Algorithm, k.PublicKey)
			pr.Record = fmt.Sprintf("%s TXT %q", pr.Owner, pr.TXT)
		}
	}
	var steps []step
	if err == nil {
		steps, err = buildSteps(first, gated, pending, provs, keys)
	}
	if err != nil {
		res.Err = err
		res.Skipped = p.Changes
		return res
	}
	if !res.run(ctx, steps, progress, provs.Concurrency) {
		res.Skipped = append(res.Skipped, gated...)
		return res
	}
	if len(proofs) == 0 {
		return res
	}

	// Ownership proofs and DKIM publications, then what waited for them.
	prover := provs.Prover
	if prover == nil {
		prover = &Prover{Timeout: 2 * time.Minute, Interval: 2 * time.Second}
	}
	what := proofStep(p)
	progress(Step{What: what, Check: true})
	proven := map[string]bool{}
	var unproven []string
	for _, r := range prover.Prove(ctx, proofs) {
		switch {
		case r.Proven:
			proven[r.Proof.Gate()] = true
		case r.Proof.Wait():
			then := "the domains stay pending"
			if r.Proof.Selector != "" {
				then = "the key that signed before signs on"
			}
			unproven = append(unproven, fmt.Sprintf("%s: %s is not answered by every authoritative server after %v: %s; %s",
				r.Proof.Domain, r.Proof.Record, prover.Timeout, strings.Join(r.Missing, "; "), then))
		default:
			res.Proofs = append(res.Proofs, r)
		}
	}
	var second []*plan.Change
	for _, c := range gated {
		if len(gates(c, pending, proven)) == 0 {
			second = append(second, c)
		} else if len(unproven) == 0 {
			res.Pending = append(res.Pending, c)
		} else {
			res.Skipped = append(res.Skipped, c)
		}
	}
	if len(unproven) > 0 {
		err := fmt.Errorf("%s: apply again once the servers answer", strings.Join(unproven, "\n"))
		progress(Step{What: what, Check: true, Done: true, Err: err})
		res.Err = fmt.Errorf("%s: %w", what, err)
		res.Skipped = append(res.Skipped, second...)
		res.Pending = nil
		return res
	}
	progress(Step{What: what, Check: true, Done: true})
	if len(second) == 0 {
		return res
	}
	steps, err = buildSteps(second, nil, nil, provs, keys)
	if err != nil {
		res.Err = err
		res.Skipped = append(res.Skipped, second...)
		return res
	}
	for i := range steps {
		steps[i].what += " (activation)"
	}
	res.run(ctx, steps, progress, provs.Concurrency)
	return res
}

// proofStep names the check of a plan's proofs in apply's progress.
func proofStep(p *plan.Plan) string {
	var parts []string
	switch n := len(p.Proofs); {
	case n == 1:
		parts = append(parts, "ownership proof of "+p.Proofs[0].Domain)
	case n > 1:
		parts = append(parts, fmt.Sprintf("ownership proof of %d domains", n))
	}
	switch n := len(p.DKIM); {
	case n == 1:
		parts = append(parts, "publication of DKIM key "+p.DKIM[0].Selector+"._domainkey."+p.DKIM[0].Domain)
	case n > 1:
		parts = append(parts, fmt.Sprintf("publication of %d DKIM keys", n))
	}
	return strings.Join(parts, ", ")
}

// run runs steps in order until one fails, recording what was written.
// Consecutive steps that may run side by side (zones) run up to workers at
// a time; they are still reported in order, and after a failure no new one
// starts: those already running finish and are reported as written or
// failed.
func (res *Result) run(ctx context.Context, steps []step, progress func(Step), workers int) bool {
	for i := 0; i < len(steps); {
		j := i + 1
		if steps[i].parallel {
			for j < len(steps) && steps[j].parallel {
				j++
			}
		}
		if !res.runGroup(ctx, steps[i:j], progress, workers) {
			for _, later := range steps[j:] {
				res.Skipped = append(res.Skipped, later.changes...)
			}
			return false
		}
		i = j
	}
	return true
}

// runGroup runs steps up to workers at a time (default 8) and reports them
// in order.
func (res *Result) runGroup(ctx context.Context, steps []step, progress func(Step), workers int) bool {
	if workers <= 0 {
		workers = 8
	}
	started := make([]chan bool, len(steps)) // whether the step was started
	ended := make([]chan error, len(steps))
	for i := range steps {
		started[i], ended[i] = make(chan bool, 1), make(chan error, 1)
	}
	var failed atomic.Bool
	go func() {
		sem := make(chan struct{}, workers)
		for i, s := range steps {
			sem <- struct{}{}
			if failed.Load() {
				started[i] <- false
				<-sem
				continue
			}
			started[i] <- true
			go func() {
				err := s.run(ctx)
				if err != nil {
					failed.Store(true)
				}
				<-sem
				ended[i] <- err
			}()
		}
	}()
	var errs []error
	for i, s := range steps {
		if !<-started[i] {
			res.Skipped = append(res.Skipped, s.changes...)
			continue
		}
		progress(Step{What: s.what, Changes: s.changes})
		err := <-ended[i]
		progress(Step{What: s.what, Changes: s.changes, Done: true, Err: err})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.what, err))
		}
		for _, c := range s.changes {
			switch {
			case s.held[c]:
			case err == nil || s.wrote != nil && s.wrote(c):
				res.Applied = append(res.Applied, c)
			default:
				res.Failed = append(res.Failed, c)
			}
		}
		if err != nil {
			continue
		}
		fault.Point("apply-step-done")
	}
	if len(errs) > 0 {
		res.Err = errors.Join(errs...)
		return false
	}
	return true
}

type step struct {
	what     string
	changes  []*plan.Change
	held     map[*plan.Change]bool // written, but not done yet
	parallel bool                  // may run beside the steps next to it
	run      func(context.Context) error
	// wrote tells, once run has failed, whether a change was written all
	// the same, by a backend or DNS provider that is not atomic and says
	// how far it got. nil: none was.
	wrote func(*plan.Change) bool
}

// buildSteps makes the steps that write changes. The gated changes of
// pending domains are left out, except each pending domain's own change,
// which is written in its pending form.
func buildSteps(changes, gated []*plan.Change, pending map[string]bool, provs *Providers, keys map[string]*mail.DKIMKey) ([]step, error) {
	var steps []step
	// Backends: one transaction each. What is kept beside the changes is
	// kept for the few that need it (pending domains), not for every
	// change.
	byBackend := map[string][]*plan.Change{}
	pendingOps := map[*plan.Change]mail.Op{} // a pending domain's change: written in its pending form
	var backends []string
	add := func(c *plan.Change) {
		if _, seen := byBackend[c.Provider]; !seen {
			backends = append(backends, c.Provider)
		}
		byBackend[c.Provider] = append(byBackend[c.Provider], c)
	}
	for _, c := range changes {
		if isBackendChange(c) {
			add(c)
		}
	}
	for _, c := range gated {
		// A pending domain, and a new DKIM key, are written before their
		// proof in their pending form; the rest that waits is not written.
		op := opOf(c)
		newKey := op.DKIMKey != nil && (c.Action == plan.Create || c.Action == plan.Replace)
		if (op.Domain != nil && pending[op.Domain.Name]) || (op.AliasDomain != nil && pending[op.AliasDomain.Name]) || newKey {
			add(c)
			pendingOps[c] = pendingCopy(op)
		}
	}
	for _, name := range backends {
		b := provs.Mail[name]
		if b == nil {
			return nil, fmt.Errorf("backend %q is not open", name)
		}
		changes := executionOrder(byBackend[name])
		list := make([]mail.Op, len(changes))
		held := map[*plan.Change]bool{} // a pending domain's change: done when it is activated
		for i, c := range changes {
			op, ok := pendingOps[c]
			if !ok {
				op = opOf(c)
			}
			list[i] = op
			if len(gates(c, pending, nil)) > 0 {
				held[c] = true
			}
		}
		var wrote map[*plan.Change]bool
		steps = append(steps, step{what: fmt.Sprintf("backend %s", name), changes: changes, held: held,
			run: func(ctx context.Context) error {
				err := b.Apply(ctx, list)
				if partial := (*mail.PartialError)(nil); errors.As(err, &partial) {
					wrote = map[*plan.Change]bool{}
					for _, c := range changes[:partial.Done] {
						wrote[c] = true
					}
				}
				return err
			},
			wrote: func(c *plan.Change) bool { return wrote[c] }})
	}
	// Zones: created first, then updated in one request each.
	type zoneKey struct{ provider, zone string }
	byZone := map[zoneKey][]*plan.Change{}
	var zones []zoneKey
	for _, c := range changes {
		if c.Kind != plan.KindZone && c.Kind != plan.KindRecords {
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
		var records []*plan.Change
		for _, c := range changes {
			if c.Kind == plan.KindZone {
				create = true
			} else {
				records = append(records, c)
			}
		}
		if err := keysFor(records, keys); err != nil {
			return nil, err
		}
		// The records are merged when the zone is written, not held
		// through the backends' writes.
		var wrote map[dns.Key]bool // the rrsets written before a failure
		steps = append(steps, step{what: fmt.Sprintf("zone %s at %s", strings.TrimSuffix(z.zone, "."), z.provider), changes: changes, parallel: prov.Capabilities().ParallelWrites,
			run: func(ctx context.Context) error {
				sets := rrsets(records, keys)
				err := writeZone(ctx, prov, z.zone, create, sets)
				if partial := (*dns.PartialError)(nil); errors.As(err, &partial) {
					wrote = map[dns.Key]bool{}
					for _, s := range sets[:partial.Done] {
						wrote[dns.Key{Name: strings.ToLower(s.Name), Type: s.Type}] = true
					}
				}
				return err
			},
			wrote: func(c *plan.Change) bool {
				return c.Kind == plan.KindZone && wrote != nil || c.RRSet != nil && wrote[dns.Key{Name: strings.ToLower(c.RRSet.Name), Type: c.RRSet.Type}]
			}})
	}
	return steps, nil
}

// executionOrder puts a backend's changes in the order they are written:
// deletes first (the plan lists them child-first), then creates and updates
// parent-first, and those of one kind in the order of the name the
// backend keys them by. The plan lists mailboxes by tenant and domain;
// written by address, they are stored in the order a backend's read sorts
// them into, which then finds them sorted. The order within a kind
// changes no outcome: a mailbox moves only from an address no longer in
// the config.
func executionOrder(cs []*plan.Change) []*plan.Change {
	var out []*plan.Change
	for _, c := range cs {
		if c.Action == plan.Delete {
			out = append(out, c)
		}
	}
	deletes := len(out)
	for _, c := range cs {
		if c.Action != plan.Delete {
			out = append(out, c)
		}
	}
	// Each change's rank and key are looked up once, and the plan's order
	// breaks ties, so that an unstable sort gives the stable order.
	rest := out[deletes:]
	type keyed struct {
		rank, i int
		key     string
		c       *plan.Change
	}
	ks := make([]keyed, len(rest))
	for i, c := range rest {
		ks[i] = keyed{c.Kind.Rank(), i, backendKey(c), c}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), strings.Compare(a.key, b.key), cmp.Compare(a.i, b.i))
	})
	for i, k := range ks {
		rest[i] = k.c
	}
	return out
}

// backendKey is the name a backend keys a change's object by, where it is
// not the order of the plan's addresses.
func backendKey(c *plan.Change) string {
	switch x := c.After.(type) {
	case *mail.Mailbox:
		return x.Address
	case *mail.Alias:
		return x.Address
	}
	switch x := c.Before.(type) {
	case *mail.Mailbox:
		return x.Address
	case *mail.Alias:
		return x.Address
	}
	return c.Address
}

// makeKeys makes the DKIM keys the plan creates, so that the backend stores
// the private key and the zone publishes the public one. They are made on
// every core: a first import makes one per domain.
func makeKeys(p *plan.Plan) (map[string]*mail.DKIMKey, error) {
	keys := map[string]*mail.DKIMKey{}
	var todo []*plan.Change
	for _, c := range p.Changes {
		if c.Kind == plan.KindDKIMKey && (c.Action == plan.Create || c.Action == plan.Replace) {
			k := c.After.(*mail.DKIMKey)
			if k.PublicKey == "" {
				todo = append(todo, c)
			}
			keys[k.Selector+"._domainkey."+k.Domain] = k
		}
	}
	errs := make([]error, len(todo))
	parallel.Each(len(todo), 0, func(i int) {
		if err := generateKey(todo[i].After.(*mail.DKIMKey)); err != nil {
			errs[i] = fmt.Errorf("%s: %w", todo[i].Address, err)
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err // the first in the plan's order
		}
	}
	return keys, nil
}

// rrsets merges a zone's record changes into the rrsets to write: of each
// rrset, the records no change manages stay, and each change's records
// become what it wants.
func rrsets(changes []*plan.Change, keys map[string]*mail.DKIMKey) []dns.RRSet {
	type key struct{ name, typ string }
	merged := map[key]*dns.RRSet{}
	var order []key
	for _, c := range changes {
		s := c.RRSet
		want := plan.Records(c.After)
		if s.PendingKey != "" {
			k := keys[s.PendingKey]
			want = nil
			for _, rr := range plan.Records(c.After) {
				rr.Data = dkimText(k.Algorithm, k.PublicKey)
				want = append(want, rr)
			}
		}
		k := key{s.Name, s.Type}
		m := merged[k]
		if m == nil {
			m = &dns.RRSet{Name: s.Name, Type: s.Type, Records: append([]libdns.RR(nil), s.Live...)}
			merged[k] = m
			order = append(order, k)
		}
		m.Records = append(without(m.Records, plan.Records(c.Before)), want...)
	}
	out := make([]dns.RRSet, 0, len(order))
	for _, k := range order {
		out = append(out, *merged[k])
	}
	return out
}

// keysFor checks, before anything is written, that the DKIM key of each
// record change that publishes one is made by this apply, as rrsets needs.
func keysFor(changes []*plan.Change, keys map[string]*mail.DKIMKey) error {
	for _, c := range changes {
		if s := c.RRSet; s.PendingKey != "" && keys[s.PendingKey] == nil {
			return fmt.Errorf("%s: its DKIM key is made by another change that this apply does not include", c.Address)
		}
	}
	return nil
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
