package reconcile

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/lock"
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
	"github.com/mailform/mailform/schema/parallel"
)

// DefaultBackend names the SQLite backend a config gets when it declares
// none.
const DefaultBackend = "default"

// BackendOf names the backend that holds a tenant.
func BackendOf(t *schema.Tenant) string {
	if t.Effective.Backend != "" {
		return t.Effective.Backend
	}
	return DefaultBackend
}

// Providers are the opened backends and DNS providers of a config.
type Providers struct {
	Mail map[string]mail.Backend
	DNS  map[string]dns.Provider
	// Prover checks ownership records at apply; nil waits 2 minutes at
	// most, asking every 2 seconds.
	Prover *Prover
	// Concurrency bounds the zones apply writes at once (default 8).
	Concurrency int
}

// Open opens every backend and DNS provider the config declares, and the
// default SQLite backend when it declares no backend. Nothing is contacted
// beyond what opening needs (a database file, a connection).
func Open(ctx context.Context, cfg *schema.Config, env schema.Environment) (*Providers, error) {
	p := &Providers{Mail: map[string]mail.Backend{}, DNS: map[string]dns.Provider{}}
	backends := cfg.Backends
	if len(backends) == 0 {
		backends = []*schema.Backend{{Name: DefaultBackend, Type: "sqlite"}}
	}
	for _, b := range backends {
		m, err := providers.OpenMail(ctx, providers.Config{Name: b.Name, Type: b.Type, Settings: b.Settings, Access: cfg.Access, Env: env})
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("backend %q: %w", b.Name, err)
		}
		p.Mail[b.Name] = m
	}
	for _, d := range cfg.DNSProviders {
		prov, err := providers.OpenDNS(ctx, providers.Config{Name: d.Name, Type: d.Type, Settings: d.Settings, Access: cfg.Access, Env: env})
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("dns_provider %q: %w", d.Name, err)
		}
		p.DNS[d.Name] = prov
	}
	return p, nil
}

// Close closes every provider.
func (p *Providers) Close() error {
	var errs []error
	for _, m := range p.Mail {
		errs = append(errs, m.Close())
	}
	return errors.Join(errs...)
}

// Lock takes the apply lock of every provider that has one, backends first,
// each group in name order, so that two applies cannot deadlock. On failure
// it releases what it took.
func (p *Providers) Lock(ctx context.Context, holder string, wait time.Duration) (func(), error) {
	var unlocks []func() error
	release := func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
	var lockers []lock.Locker
	for _, name := range sortedNames(p.Mail) {
		if l, ok := p.Mail[name].(lock.Locker); ok {
			lockers = append(lockers, l)
		}
	}
	for _, name := range sortedNames(p.DNS) {
		if l, ok := p.DNS[name].(lock.Locker); ok {
			lockers = append(lockers, l)
		}
	}
	deadline := time.Now().Add(wait)
	for _, l := range lockers {
		unlock, err := l.Lock(ctx, holder, time.Until(deadline))
		if err != nil {
			release()
			return nil, err
		}
		unlocks = append(unlocks, unlock)
	}
	return release, nil
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Live is what the providers hold now.
type Live struct {
	Mail map[string]*mail.State    // by backend name
	DNS  map[string]*ProviderZones // by DNS provider name

	once    sync.Once
	tokens  map[string]string        // domain → verification token
	keys    map[string]*mail.DKIMKey // selector._domainkey.domain → key
	signing map[string]*mail.DKIMKey // domain → the key that signs
}

// ProviderZones is what a DNS provider holds of the zones mailform needs.
type ProviderZones struct {
	Caps    dns.Capabilities       // what the provider can write
	Listed  bool                   // the provider listed its zones
	Zones   []string               // the zones that exist, lower case, with the final dot
	Records map[string][]libdns.RR // by zone: the records read, in canonical form, sorted by name and type

	once    sync.Once
	set     map[string]bool // Zones, for lookups
	parents map[string]bool // the zones with another zone beneath them
}

// Has reports whether a zone exists.
func (pz *ProviderZones) Has(zone string) bool {
	pz.once.Do(pz.index)
	return pz.set[zone]
}

// HasBeneath reports whether another zone lies beneath a zone: without
// one, every name in the zone is in that zone.
func (pz *ProviderZones) HasBeneath(zone string) bool {
	pz.once.Do(pz.index)
	return pz.parents[zone]
}

func (pz *ProviderZones) index() {
	pz.set = make(map[string]bool, len(pz.Zones))
	for _, z := range pz.Zones {
		pz.set[z] = true
	}
	pz.parents = map[string]bool{}
	for _, z := range pz.Zones {
		for {
			_, parent, _ := strings.Cut(z, ".")
			if parent == "" {
				break
			}
			if pz.set[parent] {
				pz.parents[parent] = true
			}
			z = parent
		}
	}
}

// RefreshOptions tune Refresh.
type RefreshOptions struct {
	// Concurrency bounds the zones read at once (default 8).
	Concurrency int
	// SkipDNS reads the backends only.
	SkipDNS bool
}

// Refresh reads the live side in bulk: each backend in one pass, each zone
// the config needs in one read, zones concurrently.
func Refresh(ctx context.Context, cfg *schema.Config, p *Providers, opt RefreshOptions) (*Live, error) {
	if opt.Concurrency <= 0 {
		opt.Concurrency = 8
	}
	r := &refresher{ctx: ctx, opt: opt, live: &Live{Mail: map[string]*mail.State{}, DNS: map[string]*ProviderZones{}}}
	var backends sync.WaitGroup
	for name, b := range p.Mail {
		backends.Go(func() { r.readBackend(name, b) })
	}
	wanted := dnsNames(cfg)
	if opt.SkipDNS {
		wanted = nil
	}
	var reads []zoneRead
	for _, name := range sortedNames(wanted) {
		if prov := p.DNS[name]; prov != nil {
			reads = append(reads, r.zonesToRead(name, prov, wanted[name])...)
		}
	}
	defer func() {
		for _, f := range r.zoneFailures {
			f.cancel()
		}
	}()
	// The zones of every provider are read opt.Concurrency at a time,
	// beside the backends, but local reads leave the backends' reads a
	// core until those are done (see localReads). Reads from servers go
	// first: they wait more than they work, and are not held up behind
	// the local ones.
	slices.SortStableFunc(reads, func(a, b zoneRead) int {
		switch {
		case a.pz.Caps.LocalReads == b.pz.Caps.LocalReads:
			return 0
		case b.pz.Caps.LocalReads:
			return -1
		}
		return 1
	})
	r.local = newLocalReads(opt.Concurrency)
	go func() {
		backends.Wait()
		r.local.widen()
	}()
	parallel.Each(len(reads), opt.Concurrency, func(i int) { r.readZone(reads[i]) })
	backends.Wait()
	for _, f := range r.zoneFailures {
		if err := f.err(); err != nil {
			r.errs = append(r.errs, err)
		}
	}
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}
	for _, pz := range r.live.DNS {
		sort.Strings(pz.Zones)
	}
	return r.live, nil
}

// refresher is one Refresh: what it has read, and what failed.
type refresher struct {
	ctx  context.Context
	opt  RefreshOptions
	mu   sync.Mutex // guards live's maps and errs
	live *Live
	errs []error
	// zoneFailures are each DNS provider's zone reads' failures, which
	// stop its reads after a few.
	zoneFailures []*failures
	local        *localReads
}

// zoneRead is one zone to read from a provider.
type zoneRead struct {
	prov dns.Provider
	pz   *ProviderZones
	*failures
	zone string
}

func (r *refresher) fail(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

// readBackend reads a backend's whole state.
func (r *refresher) readBackend(name string, b mail.Backend) {
	st, err := b.Read(r.ctx)
	if err != nil {
		r.fail(fmt.Errorf("backend %q: %w", name, err))
		return
	}
	r.mu.Lock()
	r.live.Mail[name] = st
	r.mu.Unlock()
}

// zonesToRead finds the zones of a provider that hold the names: from its
// list of zones, by asking it which zone holds each name, or, when it can
// do neither, taking each name for a zone's apex.
func (r *refresher) zonesToRead(provName string, prov dns.Provider, names []string) []zoneRead {
	pf := newFailures(r.ctx, fmt.Sprintf("dns_provider %q", provName), "zones")
	r.zoneFailures = append(r.zoneFailures, pf)
	pz := &ProviderZones{Caps: prov.Capabilities(), Records: map[string][]libdns.RR{}}
	r.live.DNS[provName] = pz
	if lister, ok := prov.(libdns.ZoneLister); ok {
		zs, err := lister.ListZones(r.ctx)
		if err != nil {
			r.fail(fmt.Errorf("dns_provider %q: list zones: %w", provName, err))
			return nil
		}
		pz.Listed = true
		for _, z := range zs {
			pz.Zones = append(pz.Zones, canonicalZone(z.Name))
		}
		sort.Strings(pz.Zones)
	} else if finder, ok := prov.(dns.ZoneFinder); ok {
		zones, err := findZones(r.ctx, finder, names, r.opt.Concurrency)
		if err != nil {
			r.fail(fmt.Errorf("dns_provider %q: %w", provName, err))
			return nil
		}
		pz.Listed, pz.Zones = true, zones
	}
	toRead := map[string]bool{}
	for _, name := range names {
		if z := zoneOf(pz, name); z != "" {
			toRead[z] = true
		} else if !pz.Listed {
			toRead[canonicalZone(name)] = true
		}
	}
	var reads []zoneRead
	for _, zone := range sortedNames(toRead) {
		reads = append(reads, zoneRead{prov: prov, pz: pz, failures: pf, zone: zone})
	}
	return reads
}

// readZone reads one zone, its records sorted by name and type.
func (r *refresher) readZone(z zoneRead) {
	if z.ctx.Err() != nil {
		z.add(z.ctx.Err())
		return
	}
	if z.pz.Caps.LocalReads {
		r.local.enter()
		defer r.local.leave()
	}
	rrs, err := readZone(z.ctx, z.prov, z.zone)
	if err != nil {
		z.add(fmt.Errorf("zone %s: %w", z.zone, err))
		return
	}
	slices.SortStableFunc(rrs, compareNameType)
	r.mu.Lock()
	z.pz.Records[z.zone] = rrs
	if !z.pz.Listed { // each zone is read once
		z.pz.Zones = append(z.pz.Zones, z.zone)
	}
	r.mu.Unlock()
}

// localReads bounds how many zones are read at once from providers whose
// reads are local work for the CPU (zone files). While the backends are
// read, it is one fewer than the cores, at least one: a backend's read is
// one long chain of work, and zone files parsed on every core starve it,
// so that it ends well after the zones (0.1 s of a 1.5 s no-op plan at
// 10,000 domains on two cores, docs/performance.md). Once the backends
// are read, every worker may read.
type localReads struct {
	tokens   chan struct{}
	withheld int // tokens widen hands out
}

func newLocalReads(workers int) *localReads {
	first := min(workers, max(1, runtime.GOMAXPROCS(0)-1))
	l := &localReads{tokens: make(chan struct{}, workers), withheld: workers - first}
	for range first {
		l.tokens <- struct{}{}
	}
	return l
}

func (l *localReads) enter() { <-l.tokens }
func (l *localReads) leave() { l.tokens <- struct{}{} }

// widen lets every worker read, once the backends are read.
func (l *localReads) widen() {
	for range l.withheld {
		l.tokens <- struct{}{}
	}
}

// readZone reads a zone's records in canonical form.
func readZone(ctx context.Context, prov dns.Provider, zone string) ([]libdns.RR, error) {
	if r, ok := prov.(dns.CanonicalReader); ok {
		return r.GetCanonical(ctx, zone)
	}
	recs, err := prov.GetRecords(ctx, zone)
	if err != nil {
		return nil, err
	}
	rrs := make([]libdns.RR, 0, len(recs))
	for _, r := range recs {
		rr, err := dns.Normalize(zone, r.RR())
		if err != nil {
			return nil, err
		}
		rrs = append(rrs, rr)
	}
	return rrs, nil
}

// findZones asks a provider which zone holds each name, a few at a time,
// and returns the zones found, sorted.
func findZones(ctx context.Context, finder dns.ZoneFinder, names []string, concurrency int) ([]string, error) {
	var mu sync.Mutex
	f := newFailures(ctx, "", "names")
	defer f.cancel()
	found := map[string]bool{}
	parallel.Each(len(names), concurrency, func(i int) {
		if f.ctx.Err() != nil {
			f.add(f.ctx.Err())
			return
		}
		z, err := finder.FindZone(f.ctx, names[i])
		switch {
		case err != nil:
			f.add(err)
		case z != "":
			mu.Lock()
			found[canonicalZone(z)] = true
			mu.Unlock()
		}
	})
	if err := f.err(); err != nil {
		return nil, err
	}
	return sortedNames(found), nil
}

// failures keeps the first errors of one provider's many requests and
// stops the rest: a server that is down or refuses the key fails every
// zone alike, and a thousand copies of one error hide it.
type failures struct {
	ctx    context.Context
	cancel context.CancelFunc
	prefix string // what failed, before each error
	what   string // what the requests read: "zones"
	mu     sync.Mutex
	errs   []error
	more   int
}

// maxFailures is how many errors of one provider are told before its other
// requests are stopped.
const maxFailures = 5

func newFailures(ctx context.Context, prefix, what string) *failures {
	f := &failures{prefix: prefix, what: what}
	f.ctx, f.cancel = context.WithCancel(ctx)
	return f
}

func (f *failures) add(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.errs) == maxFailures {
		f.more++
		return
	}
	if f.prefix != "" {
		err = fmt.Errorf("%s: %w", f.prefix, err)
	}
	f.errs = append(f.errs, err)
	if len(f.errs) == maxFailures {
		f.cancel()
	}
}

// err is the errors told, and how many requests were stopped or failed
// besides; nil without errors.
func (f *failures) err() error {
	if len(f.errs) == 0 {
		return nil
	}
	errs := f.errs
	if f.more > 0 {
		msg := fmt.Sprintf("%d more %s not read after these errors", f.more, f.what)
		if f.prefix != "" {
			msg = f.prefix + ": " + msg
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// dnsNames lists, by DNS provider, the names whose zones the config's mail
// records go into.
func dnsNames(cfg *schema.Config) map[string][]string {
	out := map[string][]string{}
	for _, t := range cfg.Tenants {
		for _, d := range t.Domains {
			if d.DNS != "" {
				out[d.DNS] = append(out[d.DNS], d.Name)
			}
			for _, a := range d.AliasDomains {
				if p := firstOf(a.DNS, d.DNS); p != "" {
					out[p] = append(out[p], a.Name)
				}
			}
			if d.PEC != nil {
				if p := firstOf(d.PEC.DNS, d.DNS); p != "" {
					out[p] = append(out[p], "cert."+d.Name)
				}
			}
		}
	}
	return out
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func canonicalZone(z string) string {
	return strings.ToLower(strings.TrimSuffix(z, ".")) + "."
}

// zoneOf finds the zone a name belongs to: the longest existing zone it
// is in, or "".
func zoneOf(pz *ProviderZones, name string) string {
	for n := canonicalZone(name); n != "."; {
		if pz.Has(n) {
			return n
		}
		_, rest, ok := strings.Cut(n, ".")
		if !ok {
			break
		}
		n = rest
	}
	return ""
}
