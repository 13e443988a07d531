package libdnsadapter

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/libdns/libdns"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/dns/dnstest"
	"github.com/mailform/mailform/schema"
)

func memory(t *testing.T, zone, records string) *dnstest.Memory {
	t.Helper()
	m := dnstest.NewMemory()
	if err := m.Load(zone, servers.Seed(strings.TrimSuffix(zone, "."))+records); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestConformance runs the suite through the adapter over an in-memory
// libdns provider, with Cloudflare's declared capabilities.
func TestConformance(t *testing.T) {
	dnstest.Run(t, func(t *testing.T, zone, records string) dns.Provider {
		return New("memory", memory(t, zone, records), CloudflareCaps)
	})
}

func TestCapabilities(t *testing.T) {
	p := New("memory", dnstest.NewMemory(), CloudflareCaps)
	caps := p.Capabilities()
	if caps.CreateZones {
		t.Errorf("capabilities %+v: want no zone creation", caps)
	}
	if _, ok := p.(libdns.ZoneLister); !ok {
		t.Error("the adapter does not list zones for a client that does")
	}
	for _, tc := range []struct {
		rr   libdns.RR
		want string
	}{
		{libdns.RR{Name: "@", Type: "MX", TTL: time.Hour, Data: "10 mx.example.net."}, ""},
		{libdns.RR{Name: "@", Type: "MX", TTL: 30 * time.Second, Data: "10 mx.example.net."}, "outside what this provider keeps"},
		{libdns.RR{Name: "@", Type: "MX", TTL: 48 * time.Hour, Data: "10 mx.example.net."}, "outside what this provider keeps"},
		{libdns.RR{Name: "@", Type: "HINFO", TTL: time.Hour, Data: `"a" "b"`}, "not supported"},
	} {
		err := caps.Check(tc.rr)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Check(%v) = %v; want %q", tc.rr, err, tc.want)
		}
	}
	// A client that cannot list zones: the adapter does not claim to.
	type plain struct{ Client }
	if _, ok := New("plain", plain{dnstest.NewMemory()}, Route53Caps).(libdns.ZoneLister); ok {
		t.Error("the adapter lists zones for a client that cannot")
	}
}

// TestPartialFailure: libdns writes rrset by rrset, so a failure must say
// what was written before it.
func TestPartialFailure(t *testing.T) {
	ctx := context.Background()
	m := memory(t, dnstest.Zone, dnstest.Foreign)
	m.Fail = func(name string) bool { return name == "_dmarc" }
	p := New("memory", m, CloudflareCaps).(dns.Updater)
	err := p.UpdateZone(ctx, dnstest.Zone, []dns.RRSet{
		{Name: "@", Type: "MX", Records: []libdns.RR{{Name: "@", Type: "MX", TTL: time.Hour, Data: "10 mx.example.net."}}},
		{Name: "_dmarc", Type: "TXT", Records: []libdns.RR{{Name: "_dmarc", Type: "TXT", TTL: time.Hour, Data: "v=DMARC1; p=none"}}},
		{Name: "www", Type: "A"},
	})
	for _, want := range []string{"memory, zone example.test", "set _dmarc TXT", "refused", "written before it: @ MX", "plan again"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if partial := (*dns.PartialError)(nil); !errors.As(err, &partial) || partial.Done != 1 {
		t.Errorf("the error does not count the rrsets written before it (want a *dns.PartialError with Done 1): %#v", err)
	}
	recs, _ := p.(dns.Provider).GetRecords(ctx, dnstest.Zone)
	var www bool
	for _, r := range recs {
		www = www || r.RR().Name == "www"
	}
	if !www {
		t.Error("an rrset after the failure was deleted")
	}
}

func config(typ string, settings map[string]*schema.Setting, env map[string]string) providers.Config {
	return providers.Config{Name: "hosted", Type: typ, Settings: settings, Access: schema.Access{Env: []string{"AWS_*"}}, Env: schema.Environment{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	}}
}

func ref(name string) *schema.Setting {
	return &schema.Setting{Kind: schema.SettingSecret, Secret: &schema.Secret{Kind: schema.SecretEnv, Ref: name}}
}

// TestHosted opens the compiled-in services by name, credentials by
// reference. Nothing is sent: the services are not reachable from here.
func TestHosted(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		typ      string
		settings map[string]*schema.Setting
		env      map[string]string
		want     string // error, or "" for success
		caps     dns.Capabilities
	}{
		{"cloudflare", map[string]*schema.Setting{"api_token": ref("MAILFORM_CF_TOKEN")}, map[string]string{"MAILFORM_CF_TOKEN": "cf-secret-token"}, "", CloudflareCaps},
		{"cloudflare", map[string]*schema.Setting{"api_token": ref("MAILFORM_CF_TOKEN")}, nil, "MAILFORM_CF_TOKEN", dns.Capabilities{}},
		{"cloudflare", nil, nil, "no api_token", dns.Capabilities{}},
		{"route53", map[string]*schema.Setting{"region": {Kind: schema.SettingString, String: "eu-south-1"}}, nil, "", Route53Caps},
		{"route53", map[string]*schema.Setting{"access_key_id": ref("AWS_KEY"), "secret_access_key": ref("AWS_SECRET")},
			map[string]string{"AWS_KEY": "AKIAEXAMPLE", "AWS_SECRET": "aws-secret"}, "", Route53Caps},
		{"route53", map[string]*schema.Setting{"access_key_id": ref("AWS_KEY")}, map[string]string{"AWS_KEY": "AKIAEXAMPLE"}, "both access_key_id and secret_access_key", dns.Capabilities{}},
	} {
		p, err := providers.OpenDNS(ctx, config(tc.typ, tc.settings, tc.env))
		if tc.want != "" {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %v: error %v; want one saying %q", tc.typ, tc.settings, err, tc.want)
			}
			for _, v := range tc.env {
				if err != nil && strings.Contains(err.Error(), v) {
					t.Errorf("the error shows a secret: %v", err)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.typ, err)
			continue
		}
		want := tc.caps
		if diff := cmp.Diff(want, p.Capabilities()); diff != "" {
			t.Errorf("%s capabilities (-want +got):\n%s", tc.typ, diff)
		}
	}
}
