package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/providers/dns"
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
