package reconcile

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

// downProvider is a DNS provider whose server does not answer.
type downProvider struct{ calls atomic.Int64 }

func (p *downProvider) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	p.calls.Add(1)
	return nil, errors.New("cannot reach the server")
}

func (p *downProvider) Capabilities() dns.Capabilities {
	return dns.Capabilities{RecordTypes: []string{"TXT"}}
}

// A provider that fails every zone is told a few times, not once per
// zone, and its other zones are not asked for.
func TestRefreshStopsAtRepeatedFailures(t *testing.T) {
	cfg := &schema.Config{}
	tenant := &schema.Tenant{Name: "t"}
	for i := range 200 {
		tenant.Domains = append(tenant.Domains, &schema.Domain{Name: fmt.Sprintf("d%03d.example", i), DNS: "down"})
	}
	cfg.Tenants = []*schema.Tenant{tenant}
	prov := &downProvider{}
	_, err := Refresh(context.Background(), cfg, &Providers{DNS: map[string]dns.Provider{"down": prov}}, RefreshOptions{Concurrency: 4})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if n := strings.Count(msg, "cannot reach the server"); n != maxFailures {
		t.Errorf("the error tells the failure %d times, want %d:\n%s", n, maxFailures, msg)
	}
	if !strings.Contains(msg, `dns_provider "down": `) || !strings.Contains(msg, "more zones not read after these errors") {
		t.Errorf("the error does not say how many zones were left:\n%s", msg)
	}
	if calls := prov.calls.Load(); calls > maxFailures+4 {
		t.Errorf("%d zones asked for after the server failed; want at most %d", calls, maxFailures+4)
	}
}

// localProvider is a zone-file-like provider: its reads are local work.
// It notes how many reads run at once, before and after released is
// closed.
type localProvider struct {
	released      chan struct{}
	reads, now    atomic.Int64
	before, after atomic.Int64 // the most reads at once
}

func (p *localProvider) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	n := p.now.Add(1)
	defer p.now.Add(-1)
	most := &p.before
	select {
	case <-p.released:
		most = &p.after
	default:
	}
	for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
	}
	time.Sleep(2 * time.Millisecond)
	p.reads.Add(1)
	return nil, nil
}

func (p *localProvider) Capabilities() dns.Capabilities {
	return dns.Capabilities{RecordTypes: []string{"TXT"}, LocalReads: true}
}

// slowBackend is a mail backend whose read ends once the provider has
// served ten zones.
type slowBackend struct{ dns *localProvider }

func (b *slowBackend) Read(ctx context.Context) (*mail.State, error) {
	for b.dns.reads.Load() < 10 {
		time.Sleep(time.Millisecond)
	}
	close(b.dns.released)
	return &mail.State{}, nil
}
func (b *slowBackend) Apply(context.Context, []mail.Op) error { return nil }
func (b *slowBackend) Capabilities() mail.Capabilities        { return mail.Capabilities{} }
func (b *slowBackend) Close() error                           { return nil }

// While a backend is read, local zone reads leave it a core (on two
// cores, one zone at a time); once it is read, every worker reads.
func TestRefreshLeavesBackendsACore(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	cfg := &schema.Config{}
	tenant := &schema.Tenant{Name: "t"}
	for i := range 200 {
		tenant.Domains = append(tenant.Domains, &schema.Domain{Name: fmt.Sprintf("d%03d.example", i), DNS: "files"})
	}
	cfg.Tenants = []*schema.Tenant{tenant}
	prov := &localProvider{released: make(chan struct{})}
	provs := &Providers{Mail: map[string]mail.Backend{"default": &slowBackend{dns: prov}}, DNS: map[string]dns.Provider{"files": prov}}
	if _, err := Refresh(context.Background(), cfg, provs, RefreshOptions{Concurrency: 4}); err != nil {
		t.Fatal(err)
	}
	if got := prov.reads.Load(); got != 200 {
		t.Errorf("%d zones read, want 200", got)
	}
	if got := prov.before.Load(); got != 1 {
		t.Errorf("while the backend was read, %d zones were read at once, want 1", got)
	}
	if got := prov.after.Load(); got < 2 || got > 4 {
		t.Errorf("once the backend was read, at most %d zones were read at once, want 2 to 4", got)
	}
}

// A record goes into the longest zone that holds its name, whether or
// not another zone lies beneath the domain's (domainZone's shortcut
// holds only where none does).
func TestZoneFor(t *testing.T) {
	live := &Live{DNS: map[string]*ProviderZones{"z": {Zones: []string{"acme.example.", "mail.acme.example.", "example.", "shop.example."}}}}
	d := &dnsDiff{live: live}
	for _, tc := range []struct {
		domain, name, want string
		create             bool
	}{
		{"acme.example", "acme.example", "acme.example.", false},
		{"acme.example", "_dmarc.acme.example", "acme.example.", false},
		{"acme.example", "mail.acme.example", "mail.acme.example.", false},
		{"acme.example", "x.mail.acme.example", "mail.acme.example.", false},
		{"shop.example", "_dmarc.shop.example", "shop.example.", false},
		{"new.example", "_dmarc.new.example", "example.", false},
		{"other.test", "_dmarc.other.test", "other.test.", true},
	} {
		dd := &DomainDNS{Domain: tc.domain}
		d.domainZones = d.domainZones[:0]
		for range 2 { // the second time from what domainZone kept
			got, create := d.zoneFor(dd, Record{Name: tc.name, Provider: "z"})
			if got != tc.want || create != tc.create {
				t.Errorf("%s in %s: zone %q (create %v), want %q (%v)", tc.name, tc.domain, got, create, tc.want, tc.create)
			}
		}
	}
}

// compareFold orders names as their ASCII letters in lower case would.
func TestCompareFold(t *testing.T) {
	lower := func(s string) string {
		return strings.Map(func(r rune) rune {
			if 'A' <= r && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}, s)
	}
	names := []string{"", "a", "A", "ab", "aB", "b", "_dmarc", "_DMARC", "mail", "Mail.", "mail.", "xn--acm-dma", "é", "É", "a-b", "a.b"}
	for _, a := range names {
		for _, b := range names {
			if got, want := compareFold(a, b), strings.Compare(lower(a), lower(b)); got != want {
				t.Errorf("compareFold(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}
