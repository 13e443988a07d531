package dns

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/libdns/libdns"
	mdns "github.com/miekg/dns"
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

// normalizeSeeds are records of the shapes mail DNS has, and some that
// are not plain.
var normalizeSeeds = []libdns.RR{
	{Name: "@", TTL: time.Hour, Type: "MX", Data: "10 Mail.Acme.Example."},
	{Name: "@", TTL: time.Hour, Type: "MX", Data: "010 mail"},
	{Name: "@", TTL: time.Hour, Type: "TXT", Data: `v=spf1 mx "quoted" \ ~all`},
	{Name: "caffè", TTL: time.Hour, Type: "TXT", Data: "caffè"},
	{Name: "_imaps._tcp", TTL: time.Minute, Type: "SRV", Data: "0 1 993 Mail.Acme.Example."},
	{Name: "Mail", TTL: time.Hour, Type: "A", Data: "203.0.113.10"},
	{Name: "mail", TTL: time.Hour, Type: "A", Data: "203.0.113.010"},
	{Name: "mail", TTL: time.Hour, Type: "AAAA", Data: "2001:DB8::1"},
	{Name: "mail", TTL: time.Hour, Type: "AAAA", Data: "2001:db8::1"},
	{Name: "autoconfig", TTL: 90 * time.Second, Type: "CNAME", Data: "Webmail.Example.Net."},
	{Name: "*", TTL: time.Hour, Type: "CNAME", Data: "x."},
	{Name: "cert", TTL: 1500 * time.Millisecond, Type: "NS", Data: "ns1.example.net."},
	{Name: "a.b", TTL: time.Hour, Type: "CAA", Data: `0 issue "letsencrypt.org"`},
}

func TestNormalizeFast(t *testing.T) {
	for _, rr := range normalizeSeeds {
		sameNormalized(t, "acme.example.", rr)
	}
}

// sameNormalized checks that where the fast path normalizes a record, it
// gives what the zone-file parser gives.
func sameNormalized(t *testing.T, zone string, rr libdns.RR) {
	fast, ok := normalizeFast(zone, rr)
	if !ok {
		return
	}
	slow, err := normalizeSlow(zone, rr)
	if err != nil {
		t.Fatalf("%s %+v: the fast path normalizes what the parser refuses: %v", zone, rr, err)
	}
	if diff := cmp.Diff(slow, fast); diff != "" {
		t.Fatalf("%s %+v (-parser +fast):\n%s", zone, rr, diff)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, rr := range normalizeSeeds {
		f.Add("acme.example.", rr.Name, int64(rr.TTL), rr.Type, rr.Data)
	}
	f.Fuzz(func(t *testing.T, zone, name string, ttl int64, typ, data string) {
		sameNormalized(t, zone, libdns.RR{Name: name, TTL: time.Duration(ttl), Type: typ, Data: data})
	})
}

// CanonicalName gives what miekg/dns's gives, for any string.
func FuzzCanonicalName(f *testing.F) {
	for _, s := range []string{"", ".", "acme.example", "acme.example.", "Mail.ACME.example.", `a\.b.`, `a\.`, `a\\.`, "ÉCOLE.example", "xn--cole-9oa.example", "*.acme.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := CanonicalName(s), mdns.CanonicalName(s); got != want {
			t.Fatalf("CanonicalName(%q) = %q, want %q", s, got, want)
		}
	})
}

func TestRelativeName(t *testing.T) {
	for _, c := range []struct{ fqdn, zone, want string }{
		{"acme.example.", "acme.example.", "@"},
		{"www.acme.example.", "acme.example.", "www"},
		{"a.b.acme.example.", "acme.example.", "a.b"},
		{"x.", "acme.example.", "x."},
		{"evilacme.example.", "acme.example.", "evilacme.example."},
		{"other.example.", "acme.example.", "other.example."},
		{"com.", ".", "com"},
	} {
		if got := RelativeName(c.fqdn, c.zone); got != c.want {
			t.Errorf("RelativeName(%q, %q) = %q, want %q", c.fqdn, c.zone, got, c.want)
		}
	}
}

// A TXT text of any bytes is written on one line of zone-file syntax and
// read back as it was: no text ends its string or its line, or adds a
// directive.
func FuzzTXTRoundTrip(f *testing.F) {
	for _, s := range []string{"", "v=spf1 -all", `a"b\c`, "hello\n$INCLUDE /etc/passwd", "x\r\ny", "nul\x00", "é ü 日本", "\\065", strings.Repeat("ab;", 200), `"; $ORIGIN evil.test.`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		line := Line("acme.example.", libdns.RR{Name: "x", TTL: time.Hour, Type: "TXT", Data: text})
		if strings.ContainsAny(line, "\n\r") {
			t.Fatalf("the line for %q holds a line break: %q", text, line)
		}
		rr, err := ToMiekg("acme.example.", libdns.RR{Name: "x", TTL: time.Hour, Type: "TXT", Data: text})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		back := FromMiekg("acme.example.", rr)
		if back.Data != text || back.Name != "x" || back.Type != "TXT" {
			t.Fatalf("%q came back as %+v", text, back)
		}
	})
}

// Line never writes a line break, whatever a record holds.
func TestLineHasNoBreak(t *testing.T) {
	for _, rr := range []libdns.RR{
		{Name: "x", TTL: time.Hour, Type: "A", Data: "192.0.2.7\n$INCLUDE /etc/passwd"},
		{Name: "x\n$ORIGIN evil.", TTL: time.Hour, Type: "CNAME", Data: "t.evil.test.\r$ORIGIN evil.test."},
		{Name: "x", TTL: time.Hour, Type: "TXT", Data: "hello\n$INCLUDE /etc/passwd"},
	} {
		if line := Line("acme.example.", rr); strings.ContainsAny(line, "\n\r") {
			t.Errorf("Line(%+v) = %q", rr, line)
		}
		if _, err := ToMiekg("acme.example.", rr); rr.Type != "TXT" && err == nil {
			t.Errorf("ToMiekg took %+v", rr)
		}
	}
}
