package servers

import (
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", for PowerDNS's database

	"github.com/mailform/mailform/internal/testenv"
)

// TSIG is the key a test DNS server accepts for updates and transfers.
type TSIG struct {
	Name      string // mailform-test-key.
	Algorithm string // hmac-sha256
	Secret    string // base64
}

// Zone is a zone a test DNS server serves from its start: its name and
// records in zone-file syntax, relative to the zone. Seed gives the SOA and
// NS records every zone needs.
type Zone struct {
	Name    string
	Records string
}

// Seed is the start of a zone: SOA, NS and the name server's address.
func Seed(zone string) string {
	return fmt.Sprintf("$ORIGIN %s\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 127.0.0.1\n", mdns.Fqdn(zone))
}

// DNSServer is an authoritative name server on 127.0.0.1.
type DNSServer struct {
	Kind string // bind, knot
	Port int
	Key  TSIG
	Dir  string
	cmd  *exec.Cmd
}

// Addr is the server's address, host:port.
func (s *DNSServer) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// NewTSIG makes a fresh hmac-sha256 key.
func NewTSIG() TSIG {
	b := make([]byte, 32)
	rand.Read(b)
	return TSIG{Name: "mailform-test-key.", Algorithm: "hmac-sha256", Secret: base64.StdEncoding.EncodeToString(b)}
}

// StartBIND starts named with the zones, updatable and transferable with
// the server's TSIG key (key may be zero: a new one is made).
func StartBIND(t testing.TB, key TSIG, zones ...Zone) *DNSServer {
	t.Helper()
	s, conf := newBIND(t, key)
	keyName := strings.TrimSuffix(s.Key.Name, ".")
	for _, z := range zones {
		name := strings.TrimSuffix(z.Name, ".")
		file := filepath.Join(s.Dir, name+".zone")
		if err := os.WriteFile(file, []byte(Seed(name)+z.Records), 0o644); err != nil {
			t.Fatal(err)
		}
		primaryZone(conf, name, file, keyName)
	}
	s.startBIND(t, conf.String(), zones)
	return s
}

// StartBINDFiles starts named with a zone for each NAME.zone file in dir,
// each a complete zone file (SOA and NS included), copied so that the
// originals stay as they were. Its zones are updatable and transferable
// with the server's TSIG key.
func StartBINDFiles(t testing.TB, key TSIG, dir string) *DNSServer {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.zone"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no zone files in %s (%v)", dir, err)
	}
	s, conf := newBIND(t, key)
	keyName := strings.TrimSuffix(s.Key.Name, ".")
	var zones []Zone
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".zone")
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(s.Dir, name+".zone")
		if err := os.WriteFile(file, text, 0o644); err != nil {
			t.Fatal(err)
		}
		primaryZone(conf, name, file, keyName)
		zones = append(zones, Zone{Name: name})
	}
	s.startBIND(t, conf.String(), zones)
	return s
}

// primaryZone adds a zone to named.conf, updatable and transferable with
// the key.
func primaryZone(conf *strings.Builder, name, file, keyName string) {
	fmt.Fprintf(conf, "zone %q { type primary; file %q; update-policy { grant %s zonesub ANY; }; allow-transfer { key %s; }; };\n",
		name, file, keyName, keyName)
}

// newBIND makes a BIND server's directory and the start of its named.conf.
func newBIND(t testing.TB, key TSIG) (*DNSServer, *strings.Builder) {
	t.Helper()
	testenv.Command(t, "named", "bind9")
	s := newDNSServer(t, "bind", key)
	var conf strings.Builder
	fmt.Fprintf(&conf, `key %q { algorithm %s; secret %q; };
options {
  directory %q;
  pid-file %q;
  session-keyfile %q;
  managed-keys-directory %q;
  listen-on port %d { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  allow-transfer { none; };
};
controls { };
`, strings.TrimSuffix(s.Key.Name, "."), s.Key.Algorithm, s.Key.Secret, s.Dir, filepath.Join(s.Dir, "named.pid"),
		filepath.Join(s.Dir, "session.key"), s.Dir, s.Port)
	return s, &conf
}

func (s *DNSServer) startBIND(t testing.TB, conf string, zones []Zone) {
	t.Helper()
	confPath := filepath.Join(s.Dir, "named.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(testenv.Command(t, "named", "bind9"), "-c", confPath, "-g", "-4")
	s.start(t, filepath.Join(s.Dir, "named.log"), zones)
}

// StartBINDSecondary starts named as a secondary of primary's zones,
// transferring them with primary's TSIG key. The primary sends no NOTIFY
// and the zones refresh hourly, so the secondary stays as it is until the
// test calls Notify: a secondary whose transfer is held back.
func StartBINDSecondary(t testing.TB, primary *DNSServer, zones ...string) *DNSServer {
	t.Helper()
	s, conf := newBIND(t, primary.Key)
	keyName := strings.TrimSuffix(s.Key.Name, ".")
	var zs []Zone
	for _, z := range zones {
		name := strings.TrimSuffix(z, ".")
		fmt.Fprintf(conf, "zone %q { type secondary; file %q; primaries port %d { 127.0.0.1 key %s; }; };\n",
			name, filepath.Join(s.Dir, name+".db"), primary.Port, keyName)
		zs = append(zs, Zone{Name: name})
	}
	s.startBIND(t, conf.String(), zs)
	return s
}

// Notify tells a secondary that zone changed, as its primary would; it
// then transfers the zone. Notify waits until the secondary serves the
// primary's serial.
func Notify(t testing.TB, secondary, primary *DNSServer, zone string) {
	t.Helper()
	m := new(mdns.Msg)
	m.SetNotify(mdns.Fqdn(zone))
	if _, err := mdns.Exchange(m, secondary.Addr()); err != nil {
		t.Fatal(err)
	}
	want := primary.Serial(t, zone)
	deadline := time.Now().Add(10 * time.Second)
	for secondary.Serial(t, zone) != want {
		if time.Now().After(deadline) {
			t.Fatalf("the secondary %s does not serve serial %d of %s after 10s", secondary.Addr(), want, zone)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Serial is the SOA serial the server serves for zone.
func (s *DNSServer) Serial(t testing.TB, zone string) uint32 {
	t.Helper()
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(zone), mdns.TypeSOA)
	r, err := mdns.Exchange(m, s.Addr())
	if err != nil || len(r.Answer) == 0 {
		t.Fatalf("SOA of %s at %s: %v %v", zone, s.Addr(), err, r)
	}
	return r.Answer[0].(*mdns.SOA).Serial
}

// StartKnot starts knotd with the zones, updatable and transferable with
// the server's TSIG key.
func StartKnot(t testing.TB, key TSIG, zones ...Zone) *DNSServer {
	t.Helper()
	knotd := testenv.Command(t, "knotd", "knot")
	s := newDNSServer(t, "knot", key)
	if err := os.Mkdir(filepath.Join(s.Dir, "db"), 0o755); err != nil {
		t.Fatal(err)
	}
	var conf strings.Builder
	fmt.Fprintf(&conf, `server:
    rundir: %q
    listen: 127.0.0.1@%d
log:
  - target: stderr
    any: info
database:
    storage: %q
key:
  - id: %s
    algorithm: %s
    secret: %s
acl:
  - id: mailform
    key: %s
    action: [update, transfer]
template:
  - id: default
    storage: %q
    zonefile-sync: -1
    journal-content: changes
zone:
`, s.Dir, s.Port, filepath.Join(s.Dir, "db"), s.Key.Name, s.Key.Algorithm, s.Key.Secret, s.Key.Name, s.Dir)
	for _, z := range zones {
		name := strings.TrimSuffix(z.Name, ".")
		if err := os.WriteFile(filepath.Join(s.Dir, name+".zone"), []byte(Seed(name)+z.Records), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&conf, "  - domain: %s\n    acl: mailform\n", name)
	}
	confPath := filepath.Join(s.Dir, "knot.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(knotd, "-c", confPath)
	s.start(t, filepath.Join(s.Dir, "knotd.log"), zones)
	return s
}

func newDNSServer(t testing.TB, kind string, key TSIG) *DNSServer {
	if key == (TSIG{}) {
		key = NewTSIG()
	}
	dir, err := os.MkdirTemp("", "mailform-"+kind+"-")
	if err != nil {
		t.Fatal(err)
	}
	return &DNSServer{Kind: kind, Port: FreePort(t), Key: key, Dir: dir}
}

// start runs the server and waits until it answers for every zone.
func (s *DNSServer) start(t testing.TB, logPath string, zones []Zone) {
	t.Helper()
	if err := startLogged(s.cmd, logPath); err != nil {
		t.Fatalf("start %s: %v", s.Kind, err)
	}
	onStop(s.stop)
	t.Cleanup(s.stop)
	deadline := time.Now().Add(10 * time.Second)
	for _, z := range zones {
		for !s.answers(z.Name) {
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(logPath)
				t.Fatalf("%s on %s does not answer for %s after 10s:\n%s", s.Kind, s.Addr(), z.Name, log)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// answers reports whether the server answers authoritatively for zone.
func (s *DNSServer) answers(zone string) bool {
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(zone), mdns.TypeSOA)
	c := &mdns.Client{Timeout: 500 * time.Millisecond}
	r, _, err := c.Exchange(m, s.Addr())
	return err == nil && r.Rcode == mdns.RcodeSuccess && r.Authoritative && len(r.Answer) > 0
}

// Stop stops the server now (its zones stay on disk).
func (s *DNSServer) Stop() { s.stop() }

func (s *DNSServer) stop() {
	if s.cmd == nil || s.cmd.ProcessState != nil {
		return
	}
	stopProcess(s.cmd, syscall.SIGTERM, 5*time.Second)
	os.RemoveAll(s.Dir)
}

// PowerDNS is a PowerDNS authoritative server on the gsqlite3 backend,
// with its HTTP API and RFC 2136 updates on.
type PowerDNS struct {
	DNSServer
	APIURL string // http://127.0.0.1:port
	APIKey string
}

// StartPowerDNS starts pdns_server with the zones, loaded by pdnsutil,
// each updatable (RFC 2136) and transferable with the server's TSIG key.
func StartPowerDNS(t testing.TB, key TSIG, zones ...Zone) *PowerDNS {
	t.Helper()
	server := testenv.Command(t, "pdns_server", "pdns-server")
	pdnsutil := testenv.Command(t, "pdnsutil", "pdns-server")
	schemaSQL, err := os.ReadFile("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql")
	if err != nil {
		if testenv.CI() {
			t.Fatalf("the PowerDNS SQLite schema is missing under CI=true: install pdns-backend-sqlite3 (scripts/test.sh does): %v", err)
		}
		t.Skipf("pdns-backend-sqlite3 not installed; under CI=true this is a failure")
	}
	s := &PowerDNS{DNSServer: *newDNSServer(t, "powerdns", key), APIKey: "mailform-test-api-key"}
	db := filepath.Join(s.Dir, "pdns.sqlite3")
	if err := execSQLite(db, string(schemaSQL)); err != nil {
		t.Fatal(err)
	}
	apiPort := FreePort(t)
	s.APIURL = fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	conf := fmt.Sprintf(`launch=gsqlite3
gsqlite3-database=%s
local-address=127.0.0.1
local-port=%d
socket-dir=%s
daemon=no
guardian=no
disable-syslog=yes
loglevel=5
security-poll-suffix=
primary=yes
default-soa-content=ns1.@ hostmaster.@ 0 10800 3600 604800 3600
allow-axfr-ips=127.0.0.1/32
disable-axfr=no
dnsupdate=yes
allow-dnsupdate-from=127.0.0.0/8
api=yes
api-key=%s
webserver=yes
webserver-address=127.0.0.1
webserver-port=%d
webserver-allow-from=127.0.0.1/32
`, db, s.Port, s.Dir, s.APIKey, apiPort)
	if err := os.WriteFile(filepath.Join(s.Dir, "pdns.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	util := func(args ...string) {
		t.Helper()
		if err := run(exec.Command(pdnsutil, append([]string{"--config-dir=" + s.Dir}, args...)...)); err != nil {
			t.Fatal(err)
		}
	}
	keyName := strings.TrimSuffix(s.Key.Name, ".")
	util("import-tsig-key", keyName, s.Key.Algorithm, s.Key.Secret)
	for _, z := range zones {
		name := strings.TrimSuffix(z.Name, ".")
		file := filepath.Join(s.Dir, name+".zone")
		if err := os.WriteFile(file, []byte(Seed(name)+z.Records), 0o644); err != nil {
			t.Fatal(err)
		}
		util("load-zone", name, file)
		util("set-meta", name, "TSIG-ALLOW-DNSUPDATE", keyName)
		util("set-meta", name, "TSIG-ALLOW-AXFR", keyName)
	}
	s.cmd = exec.Command(server, "--config-dir="+s.Dir)
	s.start(t, filepath.Join(s.Dir, "pdns.log"), zones)
	if err := WaitPort(apiPort, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	return s
}

// execSQLite runs statements on a new SQLite database file.
func execSQLite(path, statements string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(statements)
	return err
}

// NoResolver points mailform's resolver at a closed loopback port, so that
// a test that would look up a real domain's name servers fails instead of
// leaving the machine.
func NoResolver() { os.Setenv("MAILFORM_DNS_RESOLVER", "127.0.0.1:9") }

// StartOwnershipDNS starts an in-process authoritative server that answers
// every A query with ip: a customer who has published every ownership
// record. It returns its address.
func StartOwnershipDNS(t testing.TB, ip string) string {
	t.Helper()
	return StartCustomerDNS(t, ip, nil)
}

// StartCustomerDNS is StartOwnershipDNS answering TXT queries too, with
// what txt gives for the name asked (fully qualified): a customer who has
// published every record mailform asked for, DKIM keys included.
func StartCustomerDNS(t testing.TB, ip string, txt func(name string) []string) string {
	t.Helper()
	// The system picks the port: a port free for TCP may be taken for UDP.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	srv := &mdns.Server{PacketConn: pc, Handler: mdns.HandlerFunc(func(w mdns.ResponseWriter, q *mdns.Msg) {
		r := new(mdns.Msg)
		r.SetReply(q)
		r.Authoritative = true
		if len(q.Question) == 1 && q.Question[0].Qtype == mdns.TypeA {
			r.Answer = []mdns.RR{&mdns.A{Hdr: mdns.RR_Header{Name: q.Question[0].Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 60}, A: net.ParseIP(ip)}}
		}
		if len(q.Question) == 1 && q.Question[0].Qtype == mdns.TypeTXT && txt != nil {
			for _, text := range txt(q.Question[0].Name) {
				var parts []string
				for len(text) > 255 {
					parts, text = append(parts, text[:255]), text[255:]
				}
				r.Answer = append(r.Answer, &mdns.TXT{Hdr: mdns.RR_Header{Name: q.Question[0].Name, Rrtype: mdns.TypeTXT, Class: mdns.ClassINET, Ttl: 60}, Txt: append(parts, text)})
			}
		}
		w.WriteMsg(r)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return addr
}

// RefuseUpdates starts a TCP proxy on loopback in front of a DNS server
// that passes queries and zone transfers on and answers every RFC 2136
// update REFUSED, as a server whose update policy changed would. It
// returns the proxy's address.
func RefuseUpdates(t testing.TB, upstream string) string {
	t.Helper()
	return ServeTCP(t, func(c net.Conn) { refuseUpdates(c, upstream) }).String()
}

func refuseUpdates(c net.Conn, upstream string) {
	defer c.Close()
	for {
		var size [2]byte
		if _, err := io.ReadFull(c, size[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(size[:]))
		if _, err := io.ReadFull(c, msg); err != nil || len(msg) < 12 {
			return
		}
		if msg[2]>>3&0xf != mdns.OpcodeUpdate {
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				return
			}
			defer up.Close()
			up.Write(append(size[:], msg...))
			go io.Copy(up, c)
			io.Copy(c, up)
			return
		}
		// The header alone: the same id, a response, REFUSED.
		reply := []byte{0, 12, msg[0], msg[1], msg[2] | 0x80, mdns.RcodeRefused, 0, 0, 0, 0, 0, 0, 0, 0}
		if _, err := c.Write(reply); err != nil {
			return
		}
	}
}
