// Package dnstest is the conformance suite every DNS provider passes, run
// against the real server where there is one: a zone read back as written,
// rrsets replaced and deleted in one update, and every record mailform does
// not manage — a website's addresses, other TXT values at the apex,
// _acme-challenge, CAA — kept through it all. Each behaviour is a named
// sub-test, so that a failure names what broke. It is imported only by
// tests.
package dnstest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/libdns/libdns"

	"github.com/mailform/mailform/providers/dns"
)

// Open returns a provider serving zone (e.g. "example.test."), which holds
// the SOA, an NS record "ns1" with its address 127.0.0.1 (see Seed in
// internal/servers) and records, in zone-file syntax relative to the zone.
type Open func(t *testing.T, zone, records string) dns.Provider

// Zone is the zone every test uses.
const Zone = "example.test."

// Foreign are records mailform never manages; each test starts with them
// and checks that they are still there at the end.
const Foreign = `@ 300 A 192.0.2.80
@ 300 AAAA 2001:db8::80
www 300 A 192.0.2.80
@ 300 TXT "google-site-verification=abc123"
_acme-challenge 60 TXT "acme-token-1"
@ 300 CAA 0 issue "letsencrypt.org"
mail 300 A 192.0.2.25
`

// seed is what Foreign and the harness's seed read back as.
var seed = []string{
	"@ 300 NS ns1.example.test.",
	"ns1 300 A 127.0.0.1",
	"@ 300 A 192.0.2.80",
	"@ 300 AAAA 2001:db8::80",
	"www 300 A 192.0.2.80",
	"@ 300 TXT google-site-verification=abc123",
	"_acme-challenge 60 TXT acme-token-1",
	`@ 300 CAA 0 issue "letsencrypt.org"`,
	"mail 300 A 192.0.2.25",
}

func rr(name, typ string, ttl int, data string) libdns.RR {
	return libdns.RR{Name: name, Type: typ, TTL: time.Duration(ttl) * time.Second, Data: data}
}

// read reads the zone as sorted "name ttl type data" lines.
func read(t *testing.T, p dns.Provider) []string {
	t.Helper()
	recs, err := p.GetRecords(context.Background(), Zone)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		n, err := dns.Normalize(Zone, r.RR())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, line(n))
	}
	sort.Strings(out)
	if c, ok := p.(dns.CanonicalReader); ok {
		// The canonical read gives exactly the normalised records.
		rrs, err := c.GetCanonical(context.Background(), Zone)
		if err != nil {
			t.Fatal(err)
		}
		canon := make([]string, len(rrs))
		for i, r := range rrs {
			canon[i] = line(r)
		}
		sort.Strings(canon)
		if strings.Join(canon, "\n") != strings.Join(out, "\n") {
			t.Fatalf("GetCanonical gives\n%s\nbut the normalised GetRecords\n%s", strings.Join(canon, "\n"), strings.Join(out, "\n"))
		}
	}
	return out
}

func line(r libdns.RR) string {
	return fmt.Sprintf("%s %d %s %s", r.Name, int(r.TTL.Seconds()), r.Type, r.Data)
}

// lines turns "name ttl type data" lines into what read returns.
func lines(t *testing.T, in ...string) []string {
	t.Helper()
	var out []string
	for _, l := range in {
		f := strings.SplitN(l, " ", 4)
		var ttl time.Duration
		if d, err := time.ParseDuration(f[1] + "s"); err == nil {
			ttl = d
		} else {
			t.Fatalf("bad line %q", l)
		}
		n, err := dns.Normalize(Zone, libdns.RR{Name: f[0], TTL: ttl, Type: f[2], Data: f[3]})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, line(n))
	}
	sort.Strings(out)
	return out
}

func update(t *testing.T, p dns.Provider, sets ...dns.RRSet) {
	t.Helper()
	u, ok := p.(dns.Updater)
	if !ok {
		t.Fatal("the provider cannot update a zone in one request")
	}
	if err := u.UpdateZone(context.Background(), Zone, sets); err != nil {
		t.Fatal(err)
	}
}

// dkim is a TXT longer than one 255-byte string, as an RSA-2048 DKIM key is.
var dkim = "v=DKIM1; k=rsa; p=" + strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 9) + "IDAQAB"

// Run runs the suite: one named sub-test per behaviour.
func Run(t *testing.T, open Open) {
	for _, c := range []struct {
		name string
		test func(*testing.T, Open)
	}{
		{"a zone reads back as the server holds it", readsBack},
		{"mail records are written beside foreign ones", writesBesideForeign},
		{"an update replaces and deletes whole rrsets, keeping the rest", replacesAndDeletes},
		{"the same update twice changes nothing", idempotent},
		{"the provider lists its zones or finds the zone of a name", zones},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, open) })
	}
}

// mailSets are the records of a domain's mail, each rrset as mailform
// writes it: the MX target's address, an SPF value beside another TXT at
// the apex, DMARC, a DKIM key longer than one string, autoconfig, an SRV
// and an ownership record.
var mailSets = []dns.RRSet{
	{Name: "mx", Type: "A", Records: []libdns.RR{rr("mx", "A", 3600, "192.0.2.26")}},
	{Name: "@", Type: "MX", Records: []libdns.RR{rr("@", "MX", 3600, "10 mx.example.test."), rr("@", "MX", 3600, "20 mx2.example.net.")}},
	{Name: "@", Type: "TXT", Records: []libdns.RR{rr("@", "TXT", 300, "google-site-verification=abc123"), rr("@", "TXT", 300, "v=spf1 mx ~all")}},
	{Name: "_dmarc", Type: "TXT", Records: []libdns.RR{rr("_dmarc", "TXT", 3600, "v=DMARC1; p=none")}},
	{Name: "mail._domainkey", Type: "TXT", Records: []libdns.RR{rr("mail._domainkey", "TXT", 3600, dkim)}},
	{Name: "autoconfig", Type: "CNAME", Records: []libdns.RR{rr("autoconfig", "CNAME", 3600, "mail.example.net.")}},
	{Name: "_imaps._tcp", Type: "SRV", Records: []libdns.RR{rr("_imaps._tcp", "SRV", 3600, "0 1 993 mail.example.net.")}},
	{Name: "d123456789", Type: "A", Records: []libdns.RR{rr("d123456789", "A", 300, "192.0.2.16")}},
}

// withMail is the zone, foreign records and all, once mailSets are
// written.
var withMail = append(append([]string(nil), seed...),
	"mx 3600 A 192.0.2.26",
	"@ 3600 MX 10 mx.example.test.", "@ 3600 MX 20 mx2.example.net.",
	"@ 300 TXT v=spf1 mx ~all",
	"_dmarc 3600 TXT v=DMARC1; p=none",
	"mail._domainkey 3600 TXT "+dkim,
	"autoconfig 3600 CNAME mail.example.net.",
	"_imaps._tcp 3600 SRV 0 1 993 mail.example.net.",
	"d123456789 300 A 192.0.2.16",
)

// replaced is the MX replaced, DMARC and the SPF value dropped, the rest
// left alone.
var replaced = []dns.RRSet{
	{Name: "@", Type: "MX", Records: []libdns.RR{rr("@", "MX", 3600, "10 mx1.example.net.")}},
	{Name: "_dmarc", Type: "TXT"},
	{Name: "@", Type: "TXT", Records: []libdns.RR{rr("@", "TXT", 300, "google-site-verification=abc123")}},
}

// afterReplaced is the zone once replaced is written over withMail.
var afterReplaced = append(append([]string(nil), seed...),
	"mx 3600 A 192.0.2.26",
	"@ 3600 MX 10 mx1.example.net.",
	"mail._domainkey 3600 TXT "+dkim,
	"autoconfig 3600 CNAME mail.example.net.",
	"_imaps._tcp 3600 SRV 0 1 993 mail.example.net.",
	"d123456789 300 A 192.0.2.16",
)

func readsBack(t *testing.T, open Open) {
	p := open(t, Zone, Foreign)
	if diff := cmp.Diff(lines(t, seed...), read(t, p)); diff != "" {
		t.Errorf("zone (-want +got):\n%s", diff)
	}
}

func writesBesideForeign(t *testing.T, open Open) {
	p := open(t, Zone, Foreign)
	update(t, p, mailSets...)
	if diff := cmp.Diff(lines(t, withMail...), read(t, p)); diff != "" {
		t.Errorf("after the update (-want +got):\n%s", diff)
	}
}

func replacesAndDeletes(t *testing.T, open Open) {
	p := open(t, Zone, Foreign)
	update(t, p, mailSets...)
	update(t, p, replaced...)
	if diff := cmp.Diff(lines(t, afterReplaced...), read(t, p)); diff != "" {
		t.Errorf("after replacing and deleting (-want +got):\n%s", diff)
	}
}

func idempotent(t *testing.T, open Open) {
	p := open(t, Zone, Foreign)
	update(t, p, mailSets...)
	update(t, p, replaced...)
	update(t, p, replaced...)
	if diff := cmp.Diff(lines(t, afterReplaced...), read(t, p)); diff != "" {
		t.Errorf("after the same update again (-want +got):\n%s", diff)
	}
}

func zones(t *testing.T, open Open) {
	ctx := context.Background()
	p := open(t, Zone, Foreign)
	switch x := p.(type) {
	case dns.ZoneFinder:
		for name, want := range map[string]string{
			"example.test.":      Zone,
			"cert.example.test.": Zone,
			"example.invalid.":   "",
		} {
			got, err := x.FindZone(ctx, name)
			if err != nil || got != want {
				t.Errorf("FindZone(%s) = %q, %v; want %q", name, got, err, want)
			}
		}
	case libdns.ZoneLister:
		zones, err := x.ListZones(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, z := range zones {
			names = append(names, z.Name)
		}
		if diff := cmp.Diff([]string{Zone}, names); diff != "" {
			t.Errorf("ListZones (-want +got):\n%s", diff)
		}
	default:
		t.Fatal("the provider can neither list its zones nor find the zone of a name")
	}
}
