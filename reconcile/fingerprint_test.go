package reconcile

import (
	"reflect"
	"testing"
	"time"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/providers/mail"
)

// fullState has one object of each kind with every field set.
func fullState() *mail.State {
	t := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	return &mail.State{
		Owner:        "o",
		Tenants:      []*mail.Tenant{{Name: "t", Owner: "o", DisplayName: "T", MaxMailboxes: 1, MaxQuota: 2, Require2FA: true, Managers: []mail.Manager{{Address: "m@x.test", Name: "M", Domains: []string{"x.test"}}}}},
		Domains:      []*mail.Domain{{Name: "x.test", Tenant: "t", Branding: "platform", MaxMailboxes: 1, MaxQuota: 2, DefaultQuota: 3, DefaultSendLimit: 4, Services: []string{"imap"}, AllowedIPs: []string{"192.0.2.1"}, CatchAll: "a@x.test", Require2FA: true, CustomHostname: "h", CustomTitle: "T", LogoSHA256: "s", Logo: []byte{1}, VerificationToken: "v", PurgeDeletedMail: "30d", Verified: true, Active: true}},
		AliasDomains: []*mail.AliasDomain{{Name: "y.test", Target: "x.test", VerificationToken: "v", Verified: true, Active: true}},
		Mailboxes: []*mail.Mailbox{{Address: "a@x.test", Name: "A", Quota: 1, Password: mail.Password{Hash: "{SHA512-CRYPT}$6$x", Plain: "p"}, Services: []string{"imap"}, AllowedIPs: []string{"192.0.2.0/24"}, SendLimit: 2, Require2FA: true, Forward: []string{"b@x.test"}, KeepCopy: true,
			Autoresponder: &mail.Autoresponder{Subject: "s", Body: "b", Start: &t, End: &t}, Archive: &mail.Archive{RetentionYears: 1, Delegates: []string{"c@x.test"}}, Postmaster: true, Active: true, MovedFrom: "m", Previous: "p", PurgeAfter: "q"}},
		Aliases:    []*mail.Alias{{Address: "b@x.test", Goto: []string{"a@x.test"}}},
		RelayUsers: []*mail.RelayUser{{Name: "r", Tenant: "t", Password: mail.Password{Hash: "h"}, SenderDomains: []string{"x.test"}, SenderAddresses: []string{"a@x.test"}, Active: true, Priority: "p", Notes: "n"}},
		DKIMKeys:   []*mail.DKIMKey{{Domain: "x.test", Selector: "s", Algorithm: "rsa", Bits: 2048, PublicKey: "k", PrivateKey: "K", Active: true}},
	}
}

func fullLive() *Live {
	return &Live{
		Mail: map[string]*mail.State{"default": fullState()},
		DNS: map[string]*ProviderZones{"zones": {Zones: []string{"x.test."}, Records: map[string][]libdns.RR{"x.test.": {
			{Name: "@", Type: "MX", TTL: time.Hour, Data: "10 mx.x.test."},
			{Name: "@", Type: "TXT", TTL: time.Hour, Data: "v=spf1 -all"},
		}}}},
	}
}

// TestFingerprintCoversEveryField changes each field of the backends'
// state in turn, by reflection, so that a field added later is covered too.
func TestFingerprintCoversEveryField(t *testing.T) {
	base := fullLive().Fingerprint()
	if again := fullLive().Fingerprint(); again != base {
		t.Fatalf("two fingerprints of one state differ: %s, %s", base, again)
	}
	var paths []string
	// walk visits every leaf of the state; get finds the same leaf in
	// another state.
	var walk func(path string, v reflect.Value, get func(reflect.Value) reflect.Value)
	walk = func(path string, v reflect.Value, get func(reflect.Value) reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			walk(path, v.Elem(), func(r reflect.Value) reflect.Value { return get(r).Elem() })
			return
		case reflect.Struct:
			if v.Type() != timeType {
				for i := range v.NumField() {
					walk(path+"."+v.Type().Field(i).Name, v.Field(i), func(r reflect.Value) reflect.Value { return get(r).Field(i) })
				}
				return
			}
		case reflect.Slice:
			if v.Len() == 0 {
				t.Fatalf("%s: empty in fullState; set it", path)
			}
			if v.Type().Elem().Kind() != reflect.Uint8 {
				walk(path+"[0]", v.Index(0), func(r reflect.Value) reflect.Value { return get(r).Index(0) })
				return
			}
		}
		paths = append(paths, path)
		live := fullLive()
		p := get(reflect.ValueOf(live.Mail["default"]))
		switch p.Kind() {
		case reflect.String:
			p.SetString(p.String() + "x")
		case reflect.Bool:
			p.SetBool(!p.Bool())
		case reflect.Int, reflect.Int64:
			p.SetInt(p.Int() + 1)
		case reflect.Slice:
			p.SetBytes(append(p.Bytes(), 2))
		case reflect.Struct:
			p.Set(reflect.ValueOf(p.Interface().(time.Time).Add(time.Second)))
		default:
			t.Fatalf("%s: cannot change a %s", path, p.Type())
		}
		if live.Fingerprint() == base {
			t.Errorf("changing %s leaves the fingerprint as it was", path)
		}
	}
	walk("State", reflect.ValueOf(fullState()), func(r reflect.Value) reflect.Value { return r })
	if len(paths) < 60 {
		t.Errorf("only %d fields walked", len(paths))
	}
}

func TestFingerprintRecords(t *testing.T) {
	base := fullLive().Fingerprint()
	swapped := fullLive()
	rrs := swapped.DNS["zones"].Records["x.test."]
	rrs[0], rrs[1] = rrs[1], rrs[0]
	if swapped.Fingerprint() != base {
		t.Error("the order a provider lists records in changes the fingerprint")
	}
	changed := fullLive()
	changed.DNS["zones"].Records["x.test."][0].TTL = time.Minute
	if changed.Fingerprint() == base {
		t.Error("a changed TTL leaves the fingerprint as it was")
	}
	added := fullLive()
	added.DNS["zones"].Zones = append(added.DNS["zones"].Zones, "y.test.")
	if added.Fingerprint() == base {
		t.Error("a new zone leaves the fingerprint as it was")
	}
}
