package powerdns

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/libdns/libdns"
	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/dns/dnstest"
)

func TestMain(m *testing.M) { os.Exit(servers.Main(m)) }

func provider(t *testing.T, s *servers.PowerDNS, create bool) *Provider {
	t.Helper()
	opt := Options{URL: s.APIURL, APIKey: s.APIKey, CreateZones: create}
	if create {
		opt.Nameservers = []string{"ns1.example.net", "ns2.example.net."}
	}
	p, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	dnstest.Run(t, func(t *testing.T, zone, records string) dns.Provider {
		return provider(t, servers.StartPowerDNS(t, servers.TSIG{}, servers.Zone{Name: zone, Records: records}), false)
	})
}

// serial asks the server itself (over DNS) for the zone's SOA serial and
// an rrset, so that what the API wrote is seen as served.
func query(t *testing.T, s *servers.PowerDNS, name string, typ uint16) *mdns.Msg {
	t.Helper()
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), typ)
	r, err := mdns.Exchange(m, s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCreateZone(t *testing.T) {
	ctx := context.Background()
	s := servers.StartPowerDNS(t, servers.TSIG{}, servers.Zone{Name: dnstest.Zone, Records: dnstest.Foreign})
	p := provider(t, s, true)
	if err := p.CreateZone(ctx, "new.test"); err != nil {
		t.Fatal(err)
	}
	zones, err := p.ListZones(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, z := range zones {
		names = append(names, z.Name)
	}
	if diff := cmp.Diff([]string{"example.test.", "new.test."}, names); diff != "" {
		t.Errorf("zones (-want +got):\n%s", diff)
	}
	got, err := p.GetRecords(ctx, "new.test.")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range got {
		rr := r.RR()
		lines = append(lines, rr.Name+" "+rr.Type+" "+rr.Data)
	}
	if diff := cmp.Diff([]string{"@ NS ns1.example.net.", "@ NS ns2.example.net."}, lines); diff != "" {
		t.Errorf("the new zone (-want +got):\n%s", diff)
	}

	// A change through the API bumps the served serial, so that
	// secondaries pick it up.
	before := query(t, s, "new.test", mdns.TypeSOA).Answer[0].(*mdns.SOA).Serial
	mx := dns.RRSet{Name: "@", Type: "MX", Records: []libdns.RR{{Name: "@", Type: "MX", TTL: time.Hour, Data: "10 mx1.example.net."}}}
	if err := p.UpdateZone(ctx, "new.test.", []dns.RRSet{mx}); err != nil {
		t.Fatal(err)
	}
	r := query(t, s, "new.test", mdns.TypeMX)
	if len(r.Answer) != 1 || r.Answer[0].(*mdns.MX).Mx != "mx1.example.net." {
		t.Errorf("the server answers %v for the MX", r.Answer)
	}
	if after := query(t, s, "new.test", mdns.TypeSOA).Answer[0].(*mdns.SOA).Serial; after <= before {
		t.Errorf("the serial went from %d to %d", before, after)
	}
	if err := p.CreateZone(ctx, "new.test"); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("creating it twice: %v", err)
	}
	if err := provider(t, s, false).CreateZone(ctx, "other.test"); err == nil || !strings.Contains(err.Error(), "create_zones") {
		t.Errorf("creating without create_zones: %v", err)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	s := servers.StartPowerDNS(t, servers.TSIG{}, servers.Zone{Name: dnstest.Zone, Records: dnstest.Foreign})
	good := provider(t, s, false)
	before, err := good.GetRecords(ctx, dnstest.Zone)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey := "wrong-" + s.APIKey
	bad, _ := New(Options{URL: s.APIURL, APIKey: wrongKey})
	badServer, _ := New(Options{URL: s.APIURL, APIKey: s.APIKey, ServerID: "nosuch"})
	down, _ := New(Options{URL: fmt.Sprintf("http://127.0.0.1:%d", servers.FreePort(t)), APIKey: s.APIKey})
	mx := []libdns.RR{{Name: "@", Type: "MX", TTL: time.Hour, Data: "10 mx1.example.net."}}
	for _, tc := range []struct {
		name string
		p    *Provider
		zone string
		sets []dns.RRSet
		want []string
		read bool // reading the zone works
	}{
		{"wrong key", bad, dnstest.Zone, []dns.RRSet{{Name: "@", Type: "MX", Records: mx}}, []string{"powerdns " + s.APIURL, "zone example.test", "HTTP 401", "api_key", "nothing was changed"}, false},
		{"wrong server id", badServer, dnstest.Zone, []dns.RRSet{{Name: "@", Type: "MX", Records: mx}}, []string{"HTTP 404", "server_id", "nothing was changed"}, false},
		{"no such zone", good, "other.test.", []dns.RRSet{{Name: "@", Type: "MX", Records: mx}}, []string{"zone other.test", "no such zone", "create_zones", "nothing was changed"}, false},
		{"server down", down, dnstest.Zone, []dns.RRSet{{Name: "@", Type: "MX", Records: mx}}, []string{"cannot reach the API", "api=yes", "nothing was changed"}, false},
		{"bad data", good, dnstest.Zone, []dns.RRSet{
			{Name: "@", Type: "MX", Records: mx},
			{Name: "x", Type: "CNAME", Records: []libdns.RR{{Name: "x", Type: "CNAME", TTL: time.Hour, Data: "a.example.net."}}},
			{Name: "x", Type: "A", Records: []libdns.RR{{Name: "x", Type: "A", TTL: time.Hour, Data: "192.0.2.1"}}},
		}, []string{"HTTP 422", "refused the data", "Conflicts with pre-existing RRset", "nothing was changed"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.UpdateZone(ctx, tc.zone, tc.sets)
			if err == nil {
				t.Fatal("the update did not fail")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), s.APIKey) {
				t.Errorf("the error shows the API key: %v", err)
			}
			if _, err := tc.p.GetRecords(ctx, tc.zone); (err == nil) != tc.read {
				t.Errorf("reading: %v", err)
			} else if err != nil && strings.Contains(err.Error(), s.APIKey) {
				t.Errorf("the read error shows the API key: %v", err)
			}
		})
	}
	after, err := good.GetRecords(ctx, dnstest.Zone)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("a failed update changed the zone (-before +after):\n%s", diff)
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		opt  Options
		want string
	}{
		{Options{APIKey: "k"}, "no url"},
		{Options{URL: "127.0.0.1:8081", APIKey: "k"}, "http://host:port"},
		{Options{URL: "http://127.0.0.1:8081"}, "no api_key"},
		{Options{URL: "http://127.0.0.1:8081", APIKey: "k", CreateZones: true}, "needs nameservers"},
	} {
		if _, err := New(tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v; want an error saying %q", tc.opt, err, tc.want)
		}
	}
	p, err := New(Options{URL: "http://127.0.0.1:8081/api/v1/", APIKey: "k", ServerID: "ns 1"})
	if err != nil || p.base != "http://127.0.0.1:8081/api/v1/servers/ns%201" {
		t.Errorf("base %q, %v", p.base, err)
	}
}
