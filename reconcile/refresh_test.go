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
