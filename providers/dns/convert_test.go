package dns

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/libdns/libdns"
)

func TestNormalize(t *testing.T) {
	zone := "acme.example."
	for _, tc := range []struct{ in, want libdns.RR }{
		{libdns.RR{Name: "@", TTL: time.Hour, Type: "MX", Data: "10 Mail.Acme.Example."}, libdns.RR{Name: "@", TTL: time.Hour, Type: "MX", Data: "10 mail.acme.example."}},
		{libdns.RR{Name: "@", TTL: time.Hour, Type: "TXT", Data: `v=spf1 mx "quoted" \ ~all`}, libdns.RR{Name: "@", TTL: time.Hour, Type: "TXT", Data: `v=spf1 mx "quoted" \ ~all`}},
		{libdns.RR{Name: "caffè", TTL: time.Hour, Type: "TXT", Data: "caffè"}, libdns.RR{Name: "caffè", TTL: time.Hour, Type: "TXT", Data: "caffè"}},
		{libdns.RR{Name: "_imaps._tcp", TTL: time.Minute, Type: "SRV", Data: "0 1 993 Mail.Acme.Example."}, libdns.RR{Name: "_imaps._tcp", TTL: time.Minute, Type: "SRV", Data: "0 1 993 mail.acme.example."}},
		{libdns.RR{Name: "Mail", TTL: time.Hour, Type: "A", Data: "203.0.113.10"}, libdns.RR{Name: "mail", TTL: time.Hour, Type: "A", Data: "203.0.113.10"}},
	} {
		got, err := Normalize(zone, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tc.in, diff)
		}
	}
	long := libdns.RR{Name: "sel._domainkey", TTL: time.Hour, Type: "TXT", Data: "v=DKIM1; k=rsa; p=" + strings.Repeat("A", 400)}
	got, err := Normalize(zone, long)
	if err != nil || got.Data != long.Data {
		t.Errorf("a TXT longer than 255 bytes does not survive: %v %q", err, got.Data)
	}
}
