// Package zonefile is the embedded default DNS provider: one RFC 1035 zone
// file per zone in a directory, for a name server such as BIND or Knot to
// load, or to read before anything is delegated.
//
// It edits a zone file in place: the lines of records mailform does not
// manage stay exactly as they were, comments included; the rrsets it
// replaces are removed and their new records appended, fully qualified,
// after a marker comment; the SOA serial goes up on every change. A zone's
// changes are written at once, by renaming a complete new file over the old
// one, so a reader never sees half an update. It writes only inside its
// directory and never reloads a name server.
package zonefile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/libdns/libdns"
	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/internal/fault"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/lock"
	"github.com/mailform/mailform/schema"
)

func init() {
	providers.RegisterDNS("zonefile", func(_ context.Context, cfg providers.Config) (dns.Provider, error) {
		return New(cfg.Path("directory", schema.DefaultZoneDir), cfg.List("nameservers"), cfg.String("hostmaster", "")), nil
	})
}

// Provider keeps zones as files in a directory.
type Provider struct {
	dir         string
	nameservers []string
	hostmaster  string
	now         func() time.Time

	// One writer at a time for each zone in this process (zones are
	// written side by side); Lock keeps other processes out.
	writers sync.Map // zone file path -> *sync.Mutex
}

// writer holds a zone's lock until the returned function is called.
func (p *Provider) writer(zone string) (unlock func()) {
	m, _ := p.writers.LoadOrStore(p.Path(zone), new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// New returns a provider for the zone files in dir. A zone it creates gets
// an NS record for each of nameservers, the first as the SOA's primary, and
// hostmaster (an address; default hostmaster@<zone>) as its contact.
func New(dir string, nameservers []string, hostmaster string) *Provider {
	return &Provider{dir: dir, nameservers: nameservers, hostmaster: hostmaster, now: time.Now}
}

// Capabilities: every type mailform writes, any TTL, zone creation;
// offline, since the files reach the servers by other means; reads are
// files parsed here.
func (p *Provider) Capabilities() dns.Capabilities {
	return dns.Capabilities{
		RecordTypes:    []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TLSA", "TXT"},
		CreateZones:    true,
		Offline:        true,
		ParallelWrites: true,
		LocalReads:     true,
	}
}

func fqdn(zone string) string {
	return dns.CanonicalName(zone)
}

// Path is the file of a zone.
func (p *Provider) Path(zone string) string {
	return filepath.Join(p.dir, strings.TrimSuffix(fqdn(zone), ".")+".zone")
}

// ListZones lists the zones that have a file.
func (p *Provider) ListZones(context.Context) ([]libdns.Zone, error) {
	entries, err := os.ReadDir(p.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var zones []libdns.Zone
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".zone"); ok && !e.IsDir() {
			zones = append(zones, libdns.Zone{Name: name + "."})
		}
	}
	return zones, nil
}

func (p *Provider) read(zone string) (*zoneText, error) {
	path := p.Path(zone)
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// The text is only read from, and its entries keep pieces of it: a
	// string over the file's bytes spares a copy of every zone.
	return parseZone(fqdn(zone), path, unsafe.String(unsafe.SliceData(src), len(src)))
}

// GetCanonical reads a zone's records, all but the SOA, in canonical form.
func (p *Provider) GetCanonical(_ context.Context, zone string) ([]libdns.RR, error) {
	z, err := p.read(zone)
	if err != nil {
		return nil, err
	}
	return z.records(), nil
}

// GetRecords reads a zone's records, all but the SOA.
func (p *Provider) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	rrs, err := p.GetCanonical(ctx, zone)
	if err != nil {
		return nil, err
	}
	var out []libdns.Record
	for _, rr := range rrs {
		rec, err := rr.Parse()
		if err != nil {
			rec = rr
		}
		out = append(out, rec)
	}
	return out, nil
}

// UpdateZone replaces the given rrsets and raises the serial, in one write.
func (p *Provider) UpdateZone(_ context.Context, zone string, sets []dns.RRSet) error {
	defer p.writer(zone)()
	z, err := p.read(zone)
	if err != nil {
		return err
	}
	if err := z.replace(sets); err != nil {
		return fmt.Errorf("zone %s: %w", zone, err)
	}
	soa := z.soa()
	if soa == nil {
		return fmt.Errorf("zone %s has no SOA record", zone)
	}
	if err := z.setSerial(NextSerial(soa.soa.Serial, p.now())); err != nil {
		return err
	}
	return p.write(zone, z.String())
}

// CreateZone writes a new zone file with its SOA and NS records.
func (p *Provider) CreateZone(_ context.Context, zone string) error {
	defer p.writer(zone)()
	if len(p.nameservers) == 0 {
		return fmt.Errorf("zone %s: the zonefile provider needs nameservers to create a zone", zone)
	}
	if _, err := os.Stat(p.Path(zone)); err == nil {
		return fmt.Errorf("zone %s already exists", zone)
	}
	z := fqdn(zone)
	for _, ns := range p.nameservers {
		if inZone(fqdn(ns), z) {
			return fmt.Errorf("zone %s: name server %s is inside the zone, where it needs an address record that mailform does not write; create the zone by hand, with that record", zone, ns)
		}
	}
	contact := p.hostmaster
	if contact == "" {
		contact = "hostmaster@" + strings.TrimSuffix(z, ".")
	}
	local, domain, _ := strings.Cut(contact, "@")
	soa := &mdns.SOA{
		Hdr:     mdns.RR_Header{Name: z, Rrtype: mdns.TypeSOA, Class: mdns.ClassINET, Ttl: 3600},
		Ns:      fqdn(p.nameservers[0]),
		Mbox:    strings.ReplaceAll(local, ".", `\.`) + "." + fqdn(domain),
		Serial:  NextSerial(0, p.now()),
		Refresh: 7200,
		Retry:   3600,
		Expire:  1209600,
		Minttl:  3600,
	}
	var b strings.Builder
	fmt.Fprintf(&b, "; Zone %s, created by mailform.\n$ORIGIN %s\n$TTL 3600\n%s\n", z, z, soa.String())
	for _, ns := range p.nameservers {
		fmt.Fprintf(&b, "%s\t3600\tIN\tNS\t%s\n", z, fqdn(ns))
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	return p.write(zone, b.String())
}

// write replaces a zone file by renaming a complete new one over it.
func (p *Provider) write(zone, text string) error {
	path := p.Path(zone)
	tmp, err := os.CreateTemp(p.dir, tempPattern)
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tmp.Name())
		}
	}()
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(text); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	fault.Point("zonefile-temp-written")
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	renamed = true
	return nil
}

// NextSerial is the serial after old: date-based serials (YYYYMMDDnn) move to
// today's date when they are behind it, others count up by one.
func NextSerial(old uint32, now time.Time) uint32 {
	y, m, d := now.UTC().Date()
	today := uint32(y*10000+int(m)*100+d) * 100
	if old == 0 {
		return today + 1
	}
	if old >= 1970010100 && old < today {
		return today
	}
	return old + 1
}

// tempPattern names the file a zone is written to before it is renamed
// over the zone's.
const tempPattern = ".mailform-*.zone.tmp"

// Lock keeps a second mailform apply out of this zone directory. Holding
// it, it removes the temporary files an apply killed while writing left
// behind: no other writer can be at work.
func (p *Provider) Lock(ctx context.Context, holder string, wait time.Duration) (func() error, error) {
	unlock, err := lock.File(ctx, filepath.Join(p.dir, ".mailform.lock"), "zone directory "+p.dir, holder, wait)
	if err != nil {
		return nil, err
	}
	left, _ := filepath.Glob(filepath.Join(p.dir, tempPattern))
	for _, f := range left {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			unlock()
			return nil, fmt.Errorf("zone directory %s: remove what a killed apply left: %w", p.dir, err)
		}
	}
	return unlock, nil
}

// SetRecords makes each input rrset hold exactly the given records.
func (p *Provider) SetRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	groups := map[dns.Key][]libdns.RR{}
	var keys []dns.Key
	for _, r := range recs {
		rr := r.RR()
		k := dns.KeyOf(rr)
		if _, seen := groups[k]; !seen {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], rr)
	}
	var sets []dns.RRSet
	for _, k := range keys {
		sets = append(sets, dns.RRSet{Name: k.Name, Type: k.Type, Records: groups[k]})
	}
	if err := p.UpdateZone(ctx, zone, sets); err != nil {
		return nil, err
	}
	return recs, nil
}

// AppendRecords adds records, keeping those already there.
func (p *Provider) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	return p.edit(ctx, zone, func(cur map[dns.Key][]libdns.RR) {
		for _, r := range recs {
			rr := r.RR()
			cur[dns.KeyOf(rr)] = append(cur[dns.KeyOf(rr)], rr)
		}
	}, recs)
}

// DeleteRecords removes the records that match; an empty TTL, type or data
// matches any.
func (p *Provider) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	var deleted []libdns.Record
	_, err := p.edit(ctx, zone, func(cur map[dns.Key][]libdns.RR) {
		for k, rrs := range cur {
			var keep []libdns.RR
			for _, rr := range rrs {
				if matchesAny(rr, recs) {
					deleted = append(deleted, rr)
				} else {
					keep = append(keep, rr)
				}
			}
			cur[k] = keep
		}
	}, nil)
	return deleted, err
}

func matchesAny(rr libdns.RR, recs []libdns.Record) bool {
	for _, r := range recs {
		d := r.RR()
		if !strings.EqualFold(d.Name, rr.Name) ||
			(d.Type != "" && !strings.EqualFold(d.Type, rr.Type)) ||
			(d.TTL != 0 && d.TTL != rr.TTL) ||
			(d.Data != "" && d.Data != rr.Data) {
			continue
		}
		return true
	}
	return false
}

// edit changes the zone's rrsets with fn and writes the ones that changed.
func (p *Provider) edit(ctx context.Context, zone string, fn func(map[dns.Key][]libdns.RR), ret []libdns.Record) ([]libdns.Record, error) {
	z, err := p.read(zone)
	if err != nil {
		return nil, err
	}
	before := dns.Group(z.records())
	after := map[dns.Key][]libdns.RR{}
	for k, v := range before {
		after[k] = append([]libdns.RR(nil), v...)
	}
	fn(after)
	var sets []dns.RRSet
	keys := make([]dns.Key, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	for _, k := range keys {
		if len(after[k]) != len(before[k]) || fmt.Sprint(dns.Canonical(after[k])) != fmt.Sprint(dns.Canonical(before[k])) {
			sets = append(sets, dns.RRSet{Name: k.Name, Type: k.Type, Records: after[k]})
		}
	}
	if len(sets) == 0 {
		return ret, nil
	}
	return ret, p.UpdateZone(ctx, zone, sets)
}

// Interface guards.
var (
	_ dns.Provider          = (*Provider)(nil)
	_ dns.Updater           = (*Provider)(nil)
	_ dns.ZoneCreator       = (*Provider)(nil)
	_ dns.CanonicalReader   = (*Provider)(nil)
	_ libdns.ZoneLister     = (*Provider)(nil)
	_ libdns.RecordSetter   = (*Provider)(nil)
	_ libdns.RecordAppender = (*Provider)(nil)
	_ libdns.RecordDeleter  = (*Provider)(nil)
	_ lock.Locker           = (*Provider)(nil)
)
