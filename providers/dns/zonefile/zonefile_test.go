package zonefile

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/libdns/libdns"

	"github.com/mailform/mailform/internal/servers"
	"github.com/mailform/mailform/internal/testenv"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/providers/dns/dnstest"
)

// A hand-written zone with the habits of real ones: comments, a multi-line
// SOA, blank owners, $TTL, relative names, site-verification TXT records
// beside an old SPF, and records mailform never touches.
const handWritten = `; acme.example, maintained by hand
$ORIGIN acme.example.
$TTL 3600
@   IN  SOA ns1.example.net. hostmaster.acme.example. (
            2026010101 ; serial
            7200 3600 1209600 3600 )
    IN  NS  ns1.example.net.
    IN  NS  ns2.example.net.
@   IN  MX  10 oldmail.provider.example.
    IN  TXT "google-site-verification=abc123"
    IN  TXT "v=spf1 include:old.provider.example -all"
www IN  A   198.51.100.80   ; the website
    IN  AAAA 2001:db8::80
_acme-challenge IN TXT "token-xyz"
@   IN  CAA 0 issue "letsencrypt.org"
`

func newZone(t *testing.T, text string) (*Provider, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "acme.example.zone"), []byte(text), 0o640); err != nil {
		t.Fatal(err)
	}
	p := New(dir, []string{"ns1.example.net", "ns2.example.net"}, "")
	p.now = func() time.Time { return time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) }
	return p, filepath.Join(dir, "acme.example.zone")
}

func TestUpdateKeepsForeignLines(t *testing.T) {
	ctx := context.Background()
	p, path := newZone(t, handWritten)
	hour := time.Hour
	err := p.UpdateZone(ctx, "acme.example.", []dns.RRSet{
		{Name: "@", Type: "MX", Records: []libdns.RR{{Name: "@", TTL: hour, Type: "MX", Data: "10 mail.acme.example."}}},
		{Name: "mail", Type: "A", Records: []libdns.RR{{Name: "mail", TTL: hour, Type: "A", Data: "203.0.113.10"}}},
		{Name: "_dmarc", Type: "TXT", Records: []libdns.RR{{Name: "_dmarc", TTL: hour, Type: "TXT", Data: "v=DMARC1; p=none"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	for _, line := range []string{
		"; acme.example, maintained by hand\n",
		"    IN  NS  ns1.example.net.\n",
		// its owner was on the MX line, which is gone: now it is spelt out
		"acme.example.    IN  TXT \"google-site-verification=abc123\"\n",
		"    IN  TXT \"v=spf1 include:old.provider.example -all\"\n",
		"www IN  A   198.51.100.80   ; the website\n",
		"    IN  AAAA 2001:db8::80\n",
		"_acme-challenge IN TXT \"token-xyz\"\n",
		"@   IN  CAA 0 issue \"letsencrypt.org\"\n",
	} {
		if !strings.Contains(string(got), line) {
			t.Errorf("foreign line lost: %q\n%s", line, got)
		}
	}
	if strings.Contains(string(got), "oldmail") {
		t.Errorf("the old MX is still there:\n%s", got)
	}
	if !strings.Contains(string(got), "2026112400") {
		t.Errorf("serial not moved to today's date:\n%s", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("file mode changed to %v", st.Mode().Perm())
	}
	// The TXT that followed the MX had a blank owner: it keeps its owner.
	recs, err := p.GetRecords(ctx, "acme.example.")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range recs {
		lines = append(lines, dns.Line("acme.example.", r.RR()))
	}
	want := []string{
		"acme.example.\t3600\tIN\tNS\tns1.example.net.",
		"acme.example.\t3600\tIN\tNS\tns2.example.net.",
		"acme.example.\t3600\tIN\tTXT\t\"google-site-verification=abc123\"",
		"acme.example.\t3600\tIN\tTXT\t\"v=spf1 include:old.provider.example -all\"",
		"www.acme.example.\t3600\tIN\tA\t198.51.100.80",
		"www.acme.example.\t3600\tIN\tAAAA\t2001:db8::80",
		"_acme-challenge.acme.example.\t3600\tIN\tTXT\t\"token-xyz\"",
		"acme.example.\t3600\tIN\tCAA\t0 issue \"letsencrypt.org\"",
		"acme.example.\t3600\tIN\tMX\t10 mail.acme.example.",
		"mail.acme.example.\t3600\tIN\tA\t203.0.113.10",
		"_dmarc.acme.example.\t3600\tIN\tTXT\t\"v=DMARC1; p=none\"",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	checkZone(t, "acme.example", path)

	// A second update raises the serial again and keeps one marker.
	if err := p.UpdateZone(ctx, "acme.example.", []dns.RRSet{{Name: "_dmarc", Type: "TXT"}}); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if !strings.Contains(string(got), "2026112401") || strings.Count(string(got), marker) != 1 || strings.Contains(string(got), "DMARC1") {
		t.Errorf("second update:\n%s", got)
	}
	checkZone(t, "acme.example", path)
}

func TestCreateZone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := New(filepath.Join(dir, "zones"), []string{"ns1.example.net", "ns2.example.net"}, "dns.admin@example.net")
	if err := p.CreateZone(ctx, "new.example"); err != nil {
		t.Fatal(err)
	}
	if err := p.CreateZone(ctx, "new.example"); err == nil {
		t.Error("creating an existing zone succeeded")
	}
	zones, err := p.ListZones(ctx)
	if err != nil || len(zones) != 1 || zones[0].Name != "new.example." {
		t.Fatalf("ListZones = %v, %v", zones, err)
	}
	err = p.UpdateZone(ctx, "new.example.", []dns.RRSet{
		{Name: "@", Type: "MX", Records: []libdns.RR{{Name: "@", TTL: time.Hour, Type: "MX", Data: "10 mail.new.example."}}},
		{Name: "mail", Type: "A", Records: []libdns.RR{{Name: "mail", TTL: time.Hour, Type: "A", Data: "203.0.113.10"}}},
		{Name: "@", Type: "TXT", Records: []libdns.RR{{Name: "@", TTL: time.Hour, Type: "TXT", Data: "v=spf1 mx " + strings.Repeat("include:x.example ", 20) + "~all"}}},
		{Name: "_imaps._tcp", Type: "SRV", Records: []libdns.RR{{Name: "_imaps._tcp", TTL: time.Hour, Type: "SRV", Data: "0 1 993 mail.new.example."}}},
		{Name: "_pop3s._tcp", Type: "SRV", Records: []libdns.RR{{Name: "_pop3s._tcp", TTL: time.Hour, Type: "SRV", Data: "0 0 0 ."}}},
		{Name: "autoconfig", Type: "CNAME", Records: []libdns.RR{{Name: "autoconfig", TTL: time.Hour, Type: "CNAME", Data: "webmail.example.net."}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(p.Path("new.example"))
	if !strings.Contains(string(text), `hostmaster`) && !strings.Contains(string(text), `dns\.admin.example.net.`) {
		t.Errorf("SOA contact:\n%s", text)
	}
	checkZone(t, "new.example", p.Path("new.example"))
}

func TestRefusesWhatItCannotEdit(t *testing.T) {
	p, _ := newZone(t, "$ORIGIN acme.example.\n$GENERATE 1-3 host$ A 198.51.100.$\n")
	if _, err := p.GetRecords(context.Background(), "acme.example."); err == nil || !strings.Contains(err.Error(), "$GENERATE") {
		t.Errorf("err = %v", err)
	}
}

func TestLibdnsInterfaces(t *testing.T) {
	ctx := context.Background()
	p, path := newZone(t, handWritten)
	if _, err := p.AppendRecords(ctx, "acme.example.", []libdns.Record{libdns.TXT{Name: "@", TTL: time.Hour, Text: "extra=1"}}); err != nil {
		t.Fatal(err)
	}
	deleted, err := p.DeleteRecords(ctx, "acme.example.", []libdns.Record{libdns.RR{Name: "@", Type: "TXT", Data: "google-site-verification=abc123"}})
	if err != nil || len(deleted) != 1 {
		t.Fatalf("DeleteRecords = %v, %v", deleted, err)
	}
	if _, err := p.SetRecords(ctx, "acme.example.", []libdns.Record{libdns.Address{Name: "www", TTL: time.Minute, IP: mustAddr("198.51.100.81")}}); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(path)
	for _, want := range []string{"extra=1", "v=spf1 include:old.provider.example", "198.51.100.81", "2001:db8::80"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("missing %q:\n%s", want, text)
		}
	}
	for _, gone := range []string{"google-site-verification", "198.51.100.80"} {
		if strings.Contains(string(text), gone) {
			t.Errorf("%q is still there:\n%s", gone, text)
		}
	}
	checkZone(t, "acme.example", path)
}

func TestNextSerial(t *testing.T) {
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for old, want := range map[uint32]uint32{0: 2026112401, 2026010101: 2026112400, 2026112400: 2026112401, 2026112499: 2026112500, 17: 18} {
		if got := NextSerial(old, now); got != want {
			t.Errorf("NextSerial(%d) = %d, want %d", old, got, want)
		}
	}
}

// checkZone runs BIND's named-checkzone on a file. -i local keeps it from
// looking up names outside the zone: no query leaves the machine.
func checkZone(t *testing.T, zone, path string) {
	t.Helper()
	bin := testenv.Command(t, "named-checkzone", "bind9-utils")
	out, err := exec.Command(bin, "-i", "local", "-k", "fail", "-m", "fail", "-n", "fail", zone, path).CombinedOutput()
	if err != nil {
		text, _ := os.ReadFile(path)
		t.Fatalf("named-checkzone refuses %s: %v\n%s\n%s", path, err, out, text)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestConformance(t *testing.T) {
	dnstest.Run(t, func(t *testing.T, zone, records string) dns.Provider {
		dir := t.TempDir()
		p := New(dir, []string{"ns1." + zone}, "")
		if err := os.WriteFile(p.Path(zone), []byte(servers.Seed(zone)+records), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	})
}

// Apply writes zones side by side: writers of different zones do not wait
// for each other, and writers of one zone take turns, so that none loses
// another's rrsets.
func TestWritersSideBySide(t *testing.T) {
	ctx := context.Background()
	p := New(t.TempDir(), []string{"ns1.example.net"}, "")
	zones := []string{"a.example.", "b.example.", "c.example."}
	for _, z := range zones {
		if err := p.CreateZone(ctx, z); err != nil {
			t.Fatal(err)
		}
	}
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, len(zones)*writers)
	for _, z := range zones {
		for i := range writers {
			wg.Go(func() {
				name := fmt.Sprintf("host%d", i)
				errs <- p.UpdateZone(ctx, z, []dns.RRSet{{Name: name, Type: "A",
					Records: []libdns.RR{{Name: name, TTL: time.Hour, Type: "A", Data: fmt.Sprintf("192.0.2.%d", i+1)}}}})
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, z := range zones {
		rrs, err := p.GetCanonical(ctx, z)
		if err != nil {
			t.Fatal(err)
		}
		hosts := 0
		for _, rr := range rrs {
			if rr.Type == "A" {
				hosts++
			}
		}
		if hosts != writers {
			t.Errorf("zone %s holds %d of the %d hosts written", z, hosts, writers)
		}
	}
}

// The temporary file of a zone written by an apply that was killed is
// removed by the next apply, when it takes the lock; a zone's own file
// stays.
func TestLockRemovesTempFiles(t *testing.T) {
	p, path := newZone(t, handWritten)
	left := filepath.Join(filepath.Dir(path), ".mailform-123.zone.tmp")
	if err := os.WriteFile(left, []byte("half a zone"), 0o644); err != nil {
		t.Fatal(err)
	}
	unlock, err := p.Lock(context.Background(), "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("the temporary file is still there: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the zone file is gone: %v", err)
	}
}

// A zone whose name servers lie inside it needs their addresses, which
// mailform does not write: it is not created.
func TestCreateZoneRefusesNameServerInside(t *testing.T) {
	p := New(t.TempDir(), []string{"ns1.acme.example"}, "")
	err := p.CreateZone(context.Background(), "acme.example.")
	if err == nil || !strings.Contains(err.Error(), "inside the zone") {
		t.Errorf("CreateZone: %v", err)
	}
}

// Records outside the zone are what BIND ignores: they are not read as
// records of the zone, however their names end.
func TestOutOfZoneRecordsIgnored(t *testing.T) {
	z, err := parseZone("acme.example.", "f", soaNS+"x. IN A 192.0.2.1\nevilacme.example. IN A 192.0.2.2\nwww IN A 192.0.2.3\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []libdns.RR{
		{Name: "@", TTL: time.Hour, Type: "NS", Data: "ns1.example.net."},
		{Name: "www", TTL: time.Hour, Type: "A", Data: "192.0.2.3"},
	}
	if diff := cmp.Diff(want, z.records()); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}
