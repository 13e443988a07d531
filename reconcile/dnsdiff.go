package reconcile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/reconcile/plan"
	"github.com/mailform/mailform/schema"
)

// dnsDiff compares the mail records of each domain with its zone.
type dnsDiff struct {
	cfg     *schema.Config
	live    *Live
	changes []*plan.Change
	errs    []error
	created map[string]bool // provider/zone of zones this plan creates
	// thresholds are the dns_change_threshold of the domains whose zones
	// change, by provider/zone.
	thresholds map[string]int

	// Built once, for every domain: the PEC hosts of the config, and the
	// live DKIM selectors by domain.
	pecHosts  map[string]bool
	selectors map[string][]string
	sorted    map[providerZone]bool // whether a zone's live records are sorted by name and type

	// Reused by domain, one domain after another.
	sets  map[setKey]*set
	zones map[string]string
	order []setKey
	pool  []*set // the sets of the domains before; the first used of them are this domain's
	used  int
	// The zone of this domain's names at each provider, as domainZone
	// found it.
	domainZones []providerZone
}

// newSet gives a set for this domain, reusing one of an earlier domain.
func (d *dnsDiff) newSet(k setKey, purpose Purpose, address string) *set {
	if d.used == len(d.pool) {
		d.pool = append(d.pool, &set{})
	}
	s := d.pool[d.used]
	d.used++
	*s = set{key: k, purpose: purpose, address: address, want: s.want[:0]}
	return s
}

// indexes builds what every domain's comparison looks up, once, so that
// comparing n domains stays linear.
func (d *dnsDiff) indexes() {
	if d.pecHosts != nil {
		return
	}
	d.pecHosts = map[string]bool{schema.DefaultPECHost + ".": true}
	for _, t := range d.cfg.Tenants {
		for _, x := range t.Domains {
			if x.PEC != nil && x.PEC.Host != "" {
				d.pecHosts[strings.ToLower(strings.TrimSuffix(x.PEC.Host, "."))+"."] = true
			}
		}
	}
	d.selectors = map[string][]string{}
	for _, st := range d.live.Mail {
		for _, key := range st.DKIMKeys {
			d.selectors[key.Domain] = append(d.selectors[key.Domain], key.Selector)
		}
	}
}

type providerZone struct{ provider, zone string }

// setKey identifies what one change manages: in a zone, the records of a
// name and type, all of them or only the SPF value among the apex TXT.
type setKey struct {
	provider, zone, name, typ string
	spf                       bool
}

type set struct {
	key     setKey
	purpose Purpose
	want    []libdns.RR
	pending bool
	address string // the domain's address
}

func (d *dnsDiff) errorf(format string, args ...any) {
	d.errs = append(d.errs, fmt.Errorf(format, args...))
}

// zoneFor finds the zone a record goes into, and whether it must be made.
func (d *dnsDiff) zoneFor(dd *DomainDNS, rec Record) (string, bool) {
	pz := d.live.DNS[rec.Provider]
	if rec.Zone != "" {
		z := canonicalZone(rec.Zone)
		return z, !pz.Has(z)
	}
	name := rec.Name
	if rec.Purpose == PurposePEC {
		cert := canonicalZone(rec.Name)
		if dd.PECAuto && pz.Has(cert) {
			return cert, false
		}
		if !dd.PECAuto && pz.Has(cert) {
			d.errorf("%s: cert.%s is a zone of its own at dns_provider %q: set pec { placement = \"delegated\" } (or \"auto\")", dd.Address, dd.Domain, rec.Provider)
		}
		name = dd.Domain // the parent zone, not the cert zone
	}
	if z := d.domainZone(dd, pz, rec.Provider, name); z != "" {
		return z, false
	}
	if z := zoneOf(pz, name); z != "" {
		return z, false
	}
	return canonicalZone(dd.Domain), true
}

// domainZone is the zone of a name at or under the domain when no other
// zone lies beneath the domain's own: that zone, found once per domain
// and provider. Else "", and the name's zone is looked for label by
// label: for each of a domain's ten or so records, that was as many
// lookups among all the provider's zones.
func (d *dnsDiff) domainZone(dd *DomainDNS, pz *ProviderZones, provider, name string) string {
	if name != dd.Domain && !strings.HasSuffix(name, "."+dd.Domain) {
		return ""
	}
	for _, z := range d.domainZones {
		if z.provider == provider {
			return z.zone
		}
	}
	z := zoneOf(pz, dd.Domain)
	if z != "" && pz.HasBeneath(z) {
		z = ""
	}
	d.domainZones = append(d.domainZones, providerZone{provider, z})
	return z
}

// domain compares one domain's mail records with its zones.
func (d *dnsDiff) domain(dd *DomainDNS) {
	if dd.Provider == "" {
		return
	}
	if d.created == nil {
		d.created = map[string]bool{}
	}
	// The maps are the dnsDiff's, emptied for each domain: most domains
	// have nothing to change.
	if d.sets == nil {
		d.sets, d.zones = map[setKey]*set{}, map[string]string{}
	}
	clear(d.sets)
	clear(d.zones)
	d.used = 0
	d.domainZones = d.domainZones[:0]
	sets, zones, order := d.sets, d.zones, d.order[:0] // zones: provider/zone → provider
	defer func() { d.order = order }()
	for _, rec := range dd.Records {
		pz := d.live.DNS[rec.Provider]
		if pz == nil {
			d.errorf("%s: dns_provider %q was not read", dd.Address, rec.Provider)
			return
		}
		zone, create := d.zoneFor(dd, rec)
		if create && !d.created[rec.Provider+"/"+zone] {
			if !pz.Caps.CreateZones {
				d.errorf("%s: zone %s does not exist at dns_provider %q, which cannot create zones: create it there first", dd.Address, zone, rec.Provider)
				return
			}
			d.created[rec.Provider+"/"+zone] = true
			d.changes = append(d.changes, &plan.Change{Address: dd.Address + "/dns_zone." + strings.TrimSuffix(zone, "."), Kind: plan.KindZone, Action: plan.Create,
				Name: strings.TrimSuffix(zone, "."), Provider: rec.Provider, Zone: zone})
		}
		rr := libdns.RR{Name: libdns.RelativeName(rec.Name+".", zone), TTL: rec.TTL, Type: rec.Type, Data: rec.Data}
		if err := pz.Caps.Check(rr); err != nil {
			d.errorf("%s: dns_provider %q: %v", dd.Address, rec.Provider, err)
			continue
		}
		norm, err := dns.Normalize(zone, rr)
		if err != nil {
			d.errorf("%s: %v", dd.Address, err)
			continue
		}
		k := setKey{provider: rec.Provider, zone: zone, name: norm.Name, typ: norm.Type, spf: rec.Purpose == PurposeSPF}
		s := sets[k]
		if s == nil {
			s = d.newSet(k, rec.Purpose, dd.Address)
			sets[k] = s
			order = append(order, k)
			zones[rec.Provider+"/"+zone] = rec.Provider
		}
		s.want = append(s.want, norm)
		s.pending = s.pending || rec.Pending
	}
	for _, k := range order {
		d.compare(dd, sets[k], sets)
	}
	for pz := range zones {
		provider, zone, _ := strings.Cut(pz, "/")
		d.leftovers(dd, provider, zone, sets)
	}
}

// owns tells which records of an rrset a set manages: the SPF value of the
// apex TXT, the other apex TXT values for explicit records, else all.
func owns(k setKey, sets map[setKey]*set, rr libdns.RR) bool {
	isSPF := k.typ == "TXT" && len(rr.Data) >= 6 && strings.EqualFold(rr.Data[:6], "v=spf1")
	if k.spf {
		return isSPF
	}
	spfSet := k
	spfSet.spf = true
	if _, shared := sets[spfSet]; shared && k.typ == "TXT" {
		return !isSPF
	}
	return true
}

// liveSet is the live rrset of a name and type. Refresh sorts a zone's
// records by name and type, so the rrset is found by binary search: a zone
// holding many domains is not scanned for each of their rrsets. Records in
// another order are scanned.
func (d *dnsDiff) liveSet(provider, zone, name, typ string) []libdns.RR {
	if d.sorted == nil {
		d.sorted = map[providerZone]bool{}
	}
	rrs := d.live.DNS[provider].Records[zone]
	pz := providerZone{provider, zone}
	sorted, known := d.sorted[pz]
	if !known {
		sorted = slices.IsSortedFunc(rrs, compareNameType)
		d.sorted[pz] = sorted
	}
	key := libdns.RR{Name: name, Type: typ}
	if !sorted {
		var out []libdns.RR
		for _, rr := range rrs {
			if compareNameType(rr, key) == 0 {
				out = append(out, rr)
			}
		}
		return out
	}
	i, _ := slices.BinarySearchFunc(rrs, key, compareNameType)
	j := i
	for j < len(rrs) && compareNameType(rrs[j], key) == 0 {
		j++
	}
	return rrs[i:j:j] // shared: an append copies
}

// compareNameType orders records by name, case aside (ASCII's, as DNS
// names compare), then type.
func compareNameType(a, b libdns.RR) int {
	if c := compareFold(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(a.Type, b.Type)
}

// compareFold compares two strings as their ASCII letters in lower case
// would: sorting a zone's records and finding each rrset compared names
// millions of times, and lowering both first was a tenth of the diff.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(len(a), len(b))
}

func (d *dnsDiff) compare(dd *DomainDNS, s *set, sets map[setKey]*set) {
	k := s.key
	all := d.liveSet(k.provider, k.zone, k.name, k.typ)
	var owned []libdns.RR
	var foreignTTL time.Duration
	for _, rr := range all {
		if owns(k, sets, rr) {
			owned = append(owned, rr)
		} else if foreignTTL == 0 {
			foreignTTL = rr.TTL
		}
	}
	if foreignTTL > 0 {
		// One rrset has one TTL (RFC 2181), and DNS servers give all its
		// records the last one written: records that join others' take
		// theirs, so that the others' records stay as they were.
		want := make([]libdns.RR, len(s.want))
		for i, rr := range s.want {
			rr.TTL = foreignTTL
			want[i] = rr
		}
		s.want = want
	}
	if !s.pending && sameRecords(owned, s.want) {
		return
	}
	action := plan.Update
	switch {
	case len(owned) == 0:
		action = plan.Create
	case len(s.want) == 0:
		action = plan.Delete
	}
	c := d.change(dd, k, action, all, owned, s.want)
	s.want = nil // the change's now: a later domain's set must not write into it
	if s.pending {
		// The DKIM key change's name: the record's name in the domain.
		c.RRSet.PendingKey = strings.TrimSuffix(libdns.AbsoluteName(k.name, k.zone), ".")
	}
}

func (d *dnsDiff) change(dd *DomainDNS, k setKey, action plan.Action, all, owned, want []libdns.RR) *plan.Change {
	// Addresses name records relative to the domain, not the zone, so that
	// a record keeps its address whichever zone it lands in.
	name := "dns." + k.typ + "." + libdns.RelativeName(libdns.AbsoluteName(k.name, k.zone), dd.Domain+".")
	if k.spf {
		name = "dns.spf"
	}
	c := &plan.Change{
		Address:  dd.Address + "/" + name,
		Kind:     plan.KindRecords,
		Action:   action,
		Name:     strings.TrimSuffix(libdns.AbsoluteName(k.name, k.zone), ".") + " " + k.typ,
		Provider: k.provider,
		Zone:     k.zone,
		Before:   owned,
		After:    want,
		RRSet:    &plan.RRSet{Name: k.name, Type: k.typ, Live: all},
	}
	c.WithFields(plan.Field{Name: "records", Before: lines(k.zone, owned), After: lines(k.zone, want)})
	if dd.Threshold != nil {
		d.thresholds[k.provider+"/"+k.zone] = *dd.Threshold
	}
	if k.spf {
		c.Name = strings.TrimSuffix(libdns.AbsoluteName(k.name, k.zone), ".") + " TXT (SPF)"
	}
	d.changes = append(d.changes, c)
	return c
}

// leftovers finds records mailform once published for a domain that its
// config no longer wants (a service moved to TLS, branding changed, a DKIM
// selector dropped) and deletes them, but only when they hold exactly what
// mailform would have written: a record someone else made stays.
func (d *dnsDiff) leftovers(dd *DomainDNS, provider, zone string, sets map[setKey]*set) {
	wanted := func(k dns.Key) bool {
		sk := setKey{provider: provider, zone: zone, name: k.Name, typ: k.Type}
		if sets[sk] != nil {
			return true
		}
		sk.spf = true
		return sets[sk] != nil
	}
	// Each candidate rrset, and which of oursLooking's tests its records
	// must all pass.
	type candidate struct {
		key  dns.Key
		test func(*oursLooking) func(libdns.RR) bool
	}
	address := func(o *oursLooking) func(libdns.RR) bool { return o.address }
	rel := func(name string) string { return libdns.RelativeName(name+"."+dd.Domain+".", zone) }
	cands := make([]candidate, 0, 16)
	for _, n := range []string{"mail", "webmail"} {
		cands = append(cands, candidate{dns.Key{Name: rel(n), Type: "A"}, address}, candidate{dns.Key{Name: rel(n), Type: "AAAA"}, address})
	}
	cands = append(cands, candidate{dns.Key{Name: rel("autoconfig"), Type: "CNAME"}, func(o *oursLooking) func(libdns.RR) bool { return o.webmail }})
	for _, n := range srvNames {
		cands = append(cands, candidate{dns.Key{Name: rel(n), Type: "SRV"}, func(o *oursLooking) func(libdns.RR) bool { return o.srv }})
	}
	cands = append(cands, candidate{dns.Key{Name: rel("cert"), Type: "MX"}, func(o *oursLooking) func(libdns.RR) bool { return o.pec }})
	for _, sel := range d.selectors[dd.Domain] {
		cands = append(cands, candidate{dns.Key{Name: rel(sel + "._domainkey"), Type: "TXT"}, func(o *oursLooking) func(libdns.RR) bool { return o.dkim }})
	}
	known := func(k dns.Key) bool {
		return slices.ContainsFunc(cands, func(c candidate) bool { return c.key == k })
	}
	for _, rr := range d.live.DNS[provider].Records[zone] {
		if rr.Type != "A" {
			continue
		}
		label, under := strings.CutSuffix(libdns.AbsoluteName(rr.Name, zone), "."+dd.Domain+".")
		if k := dns.KeyOf(rr); under && tokenName.MatchString(label) && !known(k) {
			cands = append(cands, candidate{k, func(o *oursLooking) func(libdns.RR) bool { return o.token }})
		}
	}
	var ours *oursLooking // made when a candidate has records: rarely
	for _, c := range cands {
		if wanted(c.key) {
			continue
		}
		all := d.liveSet(provider, zone, c.key.Name, c.key.Type)
		if len(all) == 0 {
			continue
		}
		if ours == nil {
			o := d.oursLooking(dd)
			ours = &o
		}
		mine := true
		for _, rr := range all {
			mine = mine && c.test(ours)(rr)
		}
		if mine {
			d.change(dd, setKey{provider: provider, zone: zone, name: c.key.Name, typ: c.key.Type}, plan.Delete, all, all, nil)
		}
	}
}

// oursLooking holds what the records mailform writes for a domain can hold,
// in any branding: the values by which it knows its own.
type oursLooking struct {
	address, webmail, srv, pec, token, dkim func(libdns.RR) bool
}

func (d *dnsDiff) oursLooking(dd *DomainDNS) oursLooking {
	cfg := d.cfg
	ips := map[string]bool{}
	hostsSet := map[string]bool{".": true, "mail." + dd.Domain + ".": true}
	webmails := map[string]bool{"webmail." + dd.Domain + ".": true}
	if r := cfg.Reseller; r != nil {
		ips[r.IPv4], ips[r.IPv6] = r.IPv4 != "", r.IPv6 != ""
		if r.BrandDomain != "" {
			hostsSet["mail."+r.BrandDomain+"."] = true
			webmails["webmail."+r.BrandDomain+"."] = true
		}
	}
	p := cfg.Platform.Effective
	for _, h := range []string{p.IMAP.Host, p.POP3.Host, p.Submission.Host} {
		hostsSet[strings.ToLower(h)+"."] = true
	}
	webmails[webmailHost(cfg.Platform.WebmailURL)+"."] = true
	d.indexes()
	pecHosts := d.pecHosts
	target := func(rr libdns.RR) string {
		f := strings.Fields(rr.Data)
		if len(f) == 0 {
			return ""
		}
		return f[len(f)-1]
	}
	return oursLooking{
		address: func(rr libdns.RR) bool { return ips[rr.Data] },
		webmail: func(rr libdns.RR) bool { return webmails[rr.Data] },
		srv:     func(rr libdns.RR) bool { return hostsSet[target(rr)] },
		pec:     func(rr libdns.RR) bool { return pecHosts[target(rr)] },
		token:   func(rr libdns.RR) bool { return rr.Data == cfg.Platform.VerificationIP },
		dkim:    func(rr libdns.RR) bool { return strings.HasPrefix(rr.Data, "v=DKIM1;") },
	}
}

// sameRecords compares rrsets by TTL and data, in any order.
func sameRecords(a, b []libdns.RR) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) <= 8 {
		// Few records, as an rrset has: matched pairwise, without copies.
		var used [8]bool
	next:
		for _, x := range a {
			for j, y := range b {
				if !used[j] && x.Data == y.Data && x.TTL == y.TTL {
					used[j] = true
					continue next
				}
			}
			return false
		}
		return true
	}
	ca, cb := dns.Canonical(a), dns.Canonical(b)
	for i := range ca {
		if ca[i].Data != cb[i].Data || ca[i].TTL != cb[i].TTL {
			return false
		}
	}
	return true
}

// lines shows records as zone-file lines.
func lines(zone string, rrs []libdns.RR) []string {
	out := []string{}
	for _, rr := range dns.Canonical(rrs) {
		out = append(out, dns.Line(zone, rr))
	}
	return out
}
