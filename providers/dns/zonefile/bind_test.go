package zonefile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailform/mailform/internal/testenv"
)

// soaNS opens a zone BIND loads: what the cases below add to it decides.
const soaNS = "$TTL 3600\n@ IN SOA ns1.example.net. hostmaster.acme.example. 1 7200 3600 1209600 3600\n@ IN NS ns1.example.net.\n"

// bindRefuses are zone files BIND refuses to load, though each parses
// record by record: the cases of hostile config values, and the checks
// BIND makes when it loads a zone.
var bindRefuses = map[string]string{
	"TXT with a line break":        soaNS + "x IN TXT \"hello\n$INCLUDE /etc/passwd\"\n",
	"TXT with a line break, multi": soaNS + "x IN TXT ( \"a\n\" )\n",
	"no SOA":                       "$TTL 3600\n@ IN NS ns1.example.net.\n",
	"two SOA":                      soaNS + "@ IN SOA ns2.example.net. h.acme.example. 2 1 1 1 1\n",
	"SOA below the apex":           soaNS + "x IN SOA ns1.example.net. h.acme.example. 2 1 1 1 1\n",
	"no NS":                        "$TTL 3600\n@ IN SOA ns1.example.net. h.acme.example. 1 2 3 4 5\n",
	"CNAME and other data":         soaNS + "x IN CNAME y.example.net.\nx IN TXT \"t\"\n",
	"CNAME at the apex":            soaNS + "@ IN CNAME y.example.net.\n",
	"name server without address":  soaNS + "@ IN NS ns2\n",
	"address owner not a host":     soaNS + "a_b IN A 192.0.2.1\n",
	"AAAA owner with a hyphen end": soaNS + "a- IN AAAA 2001:db8::1\n",
	"MX owner not a host":          soaNS + "_x IN MX 10 mx.example.net.\n",
	"MX target not a host":         soaNS + "@ IN MX 10 m_x.example.net.\n",
	"SRV target not a host":        soaNS + "_imaps._tcp IN SRV 0 1 993 m_x.example.net.\n",
	"NS target not a host":         soaNS + "@ IN NS n_s.example.net.\n",
	"SOA primary not a host":       "$TTL 3600\n@ IN SOA n_s.example.net. h.acme.example. 1 2 3 4 5\n@ IN NS ns1.example.net.\n",
	"escaped dot in an owner":      soaNS + "a\\.b IN A 192.0.2.1\n",
}

// The zone reader refuses every file that BIND's named-checkzone refuses,
// among the fuzz corpus (as it is and after a SOA and NS) and the cases
// above: mailform must never plan "no changes" against a zone the name
// server does not serve.
func TestReaderRefusesWhatBINDRefuses(t *testing.T) {
	bin := testenv.Command(t, "named-checkzone", "bind9-utils")
	inputs := map[string]string{}
	for name, src := range bindRefuses {
		inputs[name] = src
	}
	for i, src := range append(zoneSeeds(), fuzzCorpus(t)...) {
		inputs["corpus "+strconv.Itoa(i)] = src
		inputs["corpus "+strconv.Itoa(i)+" after a SOA"] = soaNS + src
	}
	dir := t.TempDir()
	refused := 0
	for name, src := range inputs {
		path := filepath.Join(dir, "zone")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		// -i local: no lookup of names outside the zone leaves the
		// machine; -k fail: check-names as named applies it to a primary.
		out, bindErr := exec.Command(bin, "-i", "local", "-k", "fail", "acme.example", path).CombinedOutput()
		_, err := parseZone("acme.example.", path, src)
		if _, ok := bindRefuses[name]; ok && bindErr == nil {
			t.Errorf("%s: BIND loads it, and the case says it does not:\n%s\n%s", name, src, out)
		}
		if bindErr == nil {
			continue
		}
		refused++
		if err == nil {
			t.Errorf("%s: read without error, but BIND refuses it:\n%s\n%s", name, src, out)
		}
	}
	if refused < len(bindRefuses) {
		t.Errorf("BIND refused %d files of %d, fewer than the %d cases", refused, len(inputs), len(bindRefuses))
	}
}

// fuzzCorpus reads the inputs go test -fuzz kept for FuzzParseZone.
func fuzzCorpus(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/fuzz/FuzzParseZone/*")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if q, ok := strings.CutPrefix(line, "string("); ok {
				s, err := strconv.Unquote(strings.TrimSuffix(q, ")"))
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				out = append(out, s)
			}
		}
	}
	return out
}
