package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	mdns "github.com/miekg/dns"
)

// writeDNSControl writes a DNSControl project beside the zone files in
// zonesDir whose desired state is exactly what the zones hold: dnsconfig.js
// with one D() per zone and its records, and creds.json for DNSControl's
// BIND provider, reading the same files. DNSControl's preview of it is the
// peer's no-op plan of the same zones.
func writeDNSControl(zonesDir, outDir string) (zones int, err error) {
	files, err := filepath.Glob(filepath.Join(zonesDir, "*.zone"))
	if err != nil {
		return 0, err
	}
	sort.Strings(files)
	f, err := os.Create(filepath.Join(outDir, "dnsconfig.js"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	w.WriteString("// Written by mailform-bench: the zones as they are.\nvar REG_NONE = NewRegistrar(\"none\");\nvar DSP_BIND = NewDnsProvider(\"bind\");\n")
	for _, file := range files {
		zone := strings.TrimSuffix(filepath.Base(file), ".zone")
		if err := dnscontrolDomain(w, file, zone); err != nil {
			return 0, err
		}
		zones++
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	creds, _ := json.MarshalIndent(map[string]map[string]string{
		"none": {"TYPE": "NONE"},
		"bind": {"TYPE": "BIND", "directory": zonesDir},
	}, "", "  ")
	return zones, os.WriteFile(filepath.Join(outDir, "creds.json"), creds, 0o644)
}

// dnscontrolDomain writes one zone's D().
func dnscontrolDomain(w *bufio.Writer, file, zone string) error {
	src, err := os.Open(file)
	if err != nil {
		return err
	}
	defer src.Close()
	origin := mdns.Fqdn(zone)
	fmt.Fprintf(w, "D(%q, REG_NONE, DnsProvider(DSP_BIND)", zone)
	zp := mdns.NewZoneParser(src, origin, file)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		h := rr.Header()
		name := strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(h.Name), origin), ".")
		if name == "" {
			name = "@"
		}
		ttl := fmt.Sprintf("TTL(%d)", h.Ttl)
		switch r := rr.(type) {
		case *mdns.SOA:
			continue
		case *mdns.NS:
			if name == "@" {
				fmt.Fprintf(w, ",\n  NAMESERVER(%s), NAMESERVER_TTL(%d)", js(r.Ns), h.Ttl)
				continue
			}
			fmt.Fprintf(w, ",\n  NS(%s, %s, %s)", js(name), js(r.Ns), ttl)
		case *mdns.A:
			fmt.Fprintf(w, ",\n  A(%s, %s, %s)", js(name), js(r.A.String()), ttl)
		case *mdns.AAAA:
			fmt.Fprintf(w, ",\n  AAAA(%s, %s, %s)", js(name), js(r.AAAA.String()), ttl)
		case *mdns.CNAME:
			fmt.Fprintf(w, ",\n  CNAME(%s, %s, %s)", js(name), js(r.Target), ttl)
		case *mdns.MX:
			fmt.Fprintf(w, ",\n  MX(%s, %d, %s, %s)", js(name), r.Preference, js(r.Mx), ttl)
		case *mdns.SRV:
			fmt.Fprintf(w, ",\n  SRV(%s, %d, %d, %d, %s, %s)", js(name), r.Priority, r.Weight, r.Port, js(r.Target), ttl)
		case *mdns.TXT:
			fmt.Fprintf(w, ",\n  TXT(%s, %s, %s)", js(name), js(strings.Join(r.Txt, "")), ttl)
		case *mdns.CAA:
			fmt.Fprintf(w, ",\n  CAA(%s, %s, %s, %s)", js(name), js(r.Tag), js(r.Value), ttl)
		default:
			return fmt.Errorf("%s: %s records are not written for DNSControl", file, mdns.TypeToString[h.Rrtype])
		}
	}
	if err := zp.Err(); err != nil {
		return err
	}
	w.WriteString("\n);\n")
	return nil
}

// js writes a string as a JavaScript literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
