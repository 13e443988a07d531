package zonefile

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/libdns/libdns"

	"github.com/mailform/mailform/providers/dns"
)

// plainZone is the kind of file mailform writes: it must take the fast way.
const plainZone = `; Zone acme.example., created by mailform.
$ORIGIN acme.example.
$TTL 3600
acme.example.	3600	IN	SOA	ns1.example.net. hostmaster.acme.example. 2026112401 7200 3600 1209600 3600
acme.example.	3600	IN	NS	ns1.example.net.
@ IN NS ns2.example.net.
www 300 A 198.51.100.80 ; the website
    IN 600 AAAA 2001:db8::80
_acme-challenge IN TXT "token-xyz" "; and more"
@ IN CAA 0 issue "letsencrypt.org"

; Mail records managed by mailform.
acme.example.	3600	IN	MX	10 mail.acme.example.
_submission._tcp.acme.example.	3600	IN	SRV	0 1 587 mail.platform.example.
autoconfig	3600	IN	CNAME	webmail.platform.example.
`

// parseBoth parses src the fast way and with miekg/dns.
func parseBoth(t testing.TB, src string) (fast *zoneText, ok bool, slow *zoneText, err error) {
	fast = &zoneText{zone: "acme.example.", entries: splitEntries(src)}
	ok = parseFast(fast)
	slow = &zoneText{zone: "acme.example.", entries: splitEntries(src)}
	err = parseMiekg(slow, "acme.example.zone", src)
	return fast, ok, slow, err
}

func TestParseFast(t *testing.T) {
	fast, ok, slow, err := parseBoth(t, plainZone)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatal("parseFast declined a plain zone")
	}
	if diff := cmp.Diff(slow.entries, fast.entries, cmp.AllowUnexported(entry{})); diff != "" {
		t.Errorf("fast and miekg/dns differ (-miekg +fast):\n%s", diff)
	}
	want := []libdns.RR{
		{Name: "@", TTL: time.Hour, Type: "NS", Data: "ns1.example.net."},
		{Name: "@", TTL: time.Hour, Type: "NS", Data: "ns2.example.net."},
		{Name: "www", TTL: 300 * time.Second, Type: "A", Data: "198.51.100.80"},
		{Name: "www", TTL: 600 * time.Second, Type: "AAAA", Data: "2001:db8::80"},
		{Name: "_acme-challenge", TTL: time.Hour, Type: "TXT", Data: "token-xyz; and more"},
		{Name: "@", TTL: time.Hour, Type: "CAA", Data: `0 issue "letsencrypt.org"`},
		{Name: "@", TTL: time.Hour, Type: "MX", Data: "10 mail.acme.example."},
		{Name: "_submission._tcp", TTL: time.Hour, Type: "SRV", Data: "0 1 587 mail.platform.example."},
		{Name: "autoconfig", TTL: time.Hour, Type: "CNAME", Data: "webmail.platform.example."},
	}
	if diff := cmp.Diff(want, fast.records()); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	// What the fast way leaves to miekg/dns.
	for _, src := range []string{
		handWritten, // a SOA over several lines
		"$ORIGIN acme.example.\n$TTL 1h\n",
		"@ 3600 IN SOA a. b. 1 2 3 4 5\nwww 3600 IN A 192.0.2.1\n  3600 IN TLSA 3 1 1 abcd\n",
		"@ 3600 IN SOA a. b. 1 2 3 4 5\nwww 3600 IN TXT \"a\\\"b\"\n",
		"@ 3600 IN SOA a. b. 1 2 3 4 5\nwww 3600 in A 192.0.2.1\n",
		"@ 3600 IN SOA a. b. 1 2 3 4 5\nwww IN A 192.0.2.1\n   $TTL 5\n",
	} {
		if _, ok, _, _ := parseBoth(t, src); ok {
			t.Errorf("parseFast took %q", src)
		}
	}
}

// Every zone file mailform writes, created then updated, is read the fast
// way.
func TestParseFastTakesWrittenZones(t *testing.T) {
	p, path := newZone(t, "")
	os.Remove(path)
	ctx := context.Background()
	if err := p.CreateZone(ctx, "acme.example."); err != nil {
		t.Fatal(err)
	}
	set := []dns.RRSet{
		{Name: "@", Type: "MX", Records: []libdns.RR{{Name: "@", TTL: time.Hour, Type: "MX", Data: "10 mail.acme.example."}}},
		{Name: "_dmarc", Type: "TXT", Records: []libdns.RR{{Name: "_dmarc", TTL: time.Hour, Type: "TXT", Data: "v=DMARC1; p=none"}}},
		{Name: "mail", Type: "A", Records: []libdns.RR{{Name: "mail", TTL: time.Hour, Type: "A", Data: "192.0.2.1"}}},
	}
	if err := p.UpdateZone(ctx, "acme.example.", set); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fast, ok, slow, err := parseBoth(t, string(src))
	if err != nil || !ok {
		t.Fatalf("fast %v, miekg/dns %v on\n%s", ok, err, src)
	}
	if diff := cmp.Diff(slow.entries, fast.entries, cmp.AllowUnexported(entry{})); diff != "" {
		t.Errorf("fast and miekg/dns differ (-miekg +fast):\n%s", diff)
	}
}

// FuzzParseZone holds the fast way to miekg/dns: whatever it takes, miekg
// reads too, to the same records.
func FuzzParseZone(f *testing.F) {
	for _, src := range zoneSeeds() {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		fast, ok, slow, err := parseBoth(t, src)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("fast took what miekg/dns refuses (%v):\n%s", err, src)
		}
		if diff := cmp.Diff(slow.entries, fast.entries, cmp.AllowUnexported(entry{})); diff != "" {
			t.Errorf("fast and miekg/dns differ (-miekg +fast):\n%s", diff)
		}
	})
}

// zoneSeeds are FuzzParseZone's seeds.
func zoneSeeds() []string {
	seeds := []string{plainZone, handWritten}
	for _, line := range strings.Split(plainZone, "\n") {
		seeds = append(seeds, "$TTL 60\n"+line+"\n")
	}
	return append(seeds,
		"@ 60 IN SOA a b 1 2 3 4 5\n\tIN 30 NS x\nx. A 192.0.2.1\n",
		"$ORIGIN sub\n@ 60 MX 010 @\n* 60 TXT \"\" \"x\"\n",
	)
}
