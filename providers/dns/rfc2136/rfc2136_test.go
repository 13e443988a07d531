package rfc2136

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
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

func provider(t *testing.T, s *servers.DNSServer) *Provider {
	t.Helper()
	p, err := New(s.Addr(), Key{Name: s.Key.Name, Algorithm: s.Key.Algorithm, Secret: s.Key.Secret})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBINDConformance(t *testing.T) {
	dnstest.Run(t, func(t *testing.T, zone, records string) dns.Provider {
		return provider(t, servers.StartBIND(t, servers.TSIG{}, servers.Zone{Name: zone, Records: records}))
	})
}

func TestKnotConformance(t *testing.T) {
	dnstest.Run(t, func(t *testing.T, zone, records string) dns.Provider {
		return provider(t, servers.StartKnot(t, servers.TSIG{}, servers.Zone{Name: zone, Records: records}))
	})
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	s := servers.StartBIND(t, servers.TSIG{}, servers.Zone{Name: "example.test.", Records: dnstest.Foreign})
	good := provider(t, s)
	before, err := good.GetRecords(ctx, "example.test.")
	if err != nil {
		t.Fatal(err)
	}
	set := []dns.RRSet{{Name: "@", Type: "MX", Records: []libdns.RR{{Name: "@", Type: "MX", TTL: time.Hour, Data: "10 mx1.example.net."}}}}

	wrong := servers.NewTSIG()
	bad, _ := New(s.Addr(), Key{Name: s.Key.Name, Algorithm: "hmac-sha256", Secret: wrong.Secret})
	unknown, _ := New(s.Addr(), Key{Name: "nobody", Algorithm: "hmac-sha256", Secret: wrong.Secret})
	unsigned, _ := New(s.Addr(), Key{})
	down, _ := New(fmt.Sprintf("127.0.0.1:%d", servers.FreePort(t)), Key{})
	for _, tc := range []struct {
		name string
		p    *Provider
		zone string
		want []string
		xfr  string
	}{
		{"wrong secret", bad, "example.test.", []string{"server " + s.Addr(), "zone example.test", "TSIG", "nothing was changed"}, "TSIG signature does not verify"},
		{"unknown key", unknown, "example.test.", []string{"zone example.test", "NOTAUTH", "nobody", "nothing was changed"}, "TSIG signature does not verify"},
		{"no key", unsigned, "example.test.", []string{"zone example.test", "REFUSED", "update-policy", "nothing was changed"}, "answered REFUSED"},
		{"zone not served", good, "other.test.", []string{"zone other.test", "NOTAUTH", "not authoritative", "nothing was changed"}, "does not serve this zone"},
		{"server down", down, "example.test.", []string{"cannot reach the server", "check that it runs"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.UpdateZone(ctx, tc.zone, set)
			if err == nil {
				t.Fatal("the update did not fail")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), s.Key.Secret) || strings.Contains(err.Error(), wrong.Secret) {
				t.Error("the error shows a TSIG secret")
			}
			if tc.name != "server down" {
				if _, err := tc.p.GetRecords(ctx, tc.zone); err == nil || !strings.Contains(err.Error(), tc.xfr) {
					t.Errorf("zone transfer: %v, want an error saying %q", err, tc.xfr)
				}
			}
		})
	}
	after, err := good.GetRecords(ctx, "example.test.")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("refused updates changed the zone (-before +after):\n%s", diff)
	}
}

func TestPowerDNSConformance(t *testing.T) {
	dnstest.Run(t, func(t *testing.T, zone, records string) dns.Provider {
		return provider(t, &servers.StartPowerDNS(t, servers.TSIG{}, servers.Zone{Name: zone, Records: records}).DNSServer)
	})
}

// A transfer answered with SERVFAIL, as BIND answers one past its
// transfers-out limit, is asked again.
func TestTransferRetriesServerFailure(t *testing.T) {
	var asked atomic.Int32
	mux := mdns.NewServeMux()
	mux.HandleFunc("example.test.", func(w mdns.ResponseWriter, r *mdns.Msg) {
		m := new(mdns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		soa, _ := mdns.NewRR("example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300")
		if r.Question[0].Qtype != mdns.TypeAXFR {
			m.Answer = []mdns.RR{soa}
			w.WriteMsg(m)
			return
		}
		if asked.Add(1) == 1 {
			m.Rcode = mdns.RcodeServerFailure
			w.WriteMsg(m)
			return
		}
		mx, _ := mdns.NewRR("example.test. 300 IN MX 10 mail.example.test.")
		m.Answer = []mdns.RR{soa, mx, soa}
		w.WriteMsg(m)
	})
	port := servers.FreePort(t)
	srv := &mdns.Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Net: "tcp", Handler: mux}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ListenAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	p, err := New(srv.Addr, Key{})
	if err != nil {
		t.Fatal(err)
	}
	rrs, err := p.GetCanonical(context.Background(), "example.test.")
	if err != nil {
		t.Fatal(err)
	}
	if len(rrs) != 1 || rrs[0].Type != "MX" || asked.Load() != 2 {
		t.Errorf("got %v after %d transfers, want the MX after 2", rrs, asked.Load())
	}
}
