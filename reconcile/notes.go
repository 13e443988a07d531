package reconcile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/libdns/libdns"

	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/reconcile/plan"
	"github.com/mailform/mailform/schema"
)

// Defaults of the DNS safety threshold (octoDNS's): a plan that updates or
// deletes more than this share of a zone of at least so many records needs
// --force.
const (
	DefaultChangeThreshold  = 30
	DefaultThresholdRecords = 10
)

// notesFor tells what a person must do for the domains a plan creates or
// changes: publish the DNS of a zone mailform does not manage, install a
// TLS certificate the branding needs.
func notesFor(cfg *schema.Config, doms []*DomainDNS, changes []*plan.Change) []*plan.Note {
	changed := map[string]bool{}
	branding := map[string]bool{}
	for _, c := range changes {
		switch {
		case (c.Kind == plan.KindDomain || c.Kind == plan.KindAliasDomain) && c.Action != plan.Delete:
			changed[c.Address] = true
			if c.Kind == plan.KindDomain && (c.Action == plan.Create || hasField(c, "branding")) {
				branding[c.Address] = true
			}
		case c.Kind == plan.KindDKIMKey && c.Action == plan.Create:
			changed[c.Address[:strings.LastIndex(c.Address, "/")]] = true
		}
	}
	var notes []*plan.Note
	for _, c := range changes {
		if (c.Kind == plan.KindDomain || c.Kind == plan.KindAliasDomain) && c.Action == plan.Delete {
			notes = append(notes, &plan.Note{Address: c.Address, Kind: "dns_cleanup",
				Text: fmt.Sprintf("%s leaves the config, so mailform no longer knows where its zone is: remove its MX, SPF, DMARC, DKIM, ownership, SRV and autoconfig records there, or mail keeps coming to the platform and bounces.", c.Name)})
		}
	}
	for _, dd := range doms {
		if dd.Provider != "" || !changed[dd.Address] {
			continue
		}
		n := &plan.Note{Address: dd.Address, Kind: "unmanaged_dns",
			Text: fmt.Sprintf("The DNS of %s is not managed by mailform: publish these records in its zone.", dd.Display)}
		n.Records = RecordLines(dd)
		notes = append(notes, n)
	}
	brands := map[string]bool{}
	for _, t := range cfg.Tenants {
		for _, d := range t.Domains {
			if !branding[domainAddress(t, d)] {
				continue
			}
			certs := HostsOf(cfg, d).Certificates
			switch d.Effective.Branding {
			case schema.BrandingCustomer:
				notes = append(notes, &plan.Note{Address: domainAddress(t, d), Kind: "tls_certificate",
					Text: fmt.Sprintf("Customer branding serves %s as %s: install a TLS certificate valid for these names on the platform.", d.Name, strings.Join(certs, " and "))})
			case schema.BrandingReseller:
				if brand := cfg.Reseller.BrandDomain; !brands[brand] {
					brands[brand] = true
					notes = append(notes, &plan.Note{Address: domainAddress(t, d), Kind: "tls_certificate",
						Text: fmt.Sprintf("Reseller branding serves domains as %s: they need a TLS certificate valid for these names.", strings.Join(certs, " and "))})
				}
			}
		}
	}
	return notes
}

func hasField(c *plan.Change, name string) bool {
	for _, f := range c.Fields() {
		if f.Name == name {
			return true
		}
	}
	return false
}

// RecordLines writes a domain's mail records in zone-file syntax. A DKIM
// key still to be made shows as a placeholder.
func RecordLines(dd *DomainDNS) []string {
	var out []string
	for _, rec := range dd.Records {
		rr := libdns.RR{Name: libdns.RelativeName(rec.Name+".", dd.Domain+"."), TTL: rec.TTL, Type: rec.Type, Data: rec.Data}
		line := dns.Line(dd.Domain+".", rr)
		if rec.Pending {
			line = "; " + line + " (run mailform records " + dd.Domain + " after apply for the key)"
		}
		out = append(out, line)
	}
	return out
}

// zoneSummaries measures each zone a plan changes against its safety
// threshold.
func zoneSummaries(cfg *schema.Config, live *Live, changes []*plan.Change, thresholds map[string]int) []*plan.ZoneSummary {
	byZone := map[string]*plan.ZoneSummary{}
	for _, c := range changes {
		if c.Kind != plan.KindRecords {
			continue
		}
		key := c.Provider + "/" + c.Zone
		s := byZone[key]
		if s == nil {
			pct, min := DefaultChangeThreshold, DefaultThresholdRecords
			for _, p := range cfg.DNSProviders {
				if p.Name == c.Provider {
					if v := p.Settings["change_threshold"]; v != nil {
						pct = v.Int
					}
					if v := p.Settings["change_threshold_min_records"]; v != nil {
						min = v.Int
					}
				}
			}
			if t, ok := thresholds[key]; ok {
				pct = t
			}
			s = &plan.ZoneSummary{Provider: c.Provider, Zone: c.Zone, ThresholdPercent: pct, MinRecords: min}
			if pz := live.DNS[c.Provider]; pz != nil {
				s.Existing = len(pz.Records[c.Zone])
			}
			byZone[key] = s
		}
		if c.Action == plan.Update || c.Action == plan.Delete {
			s.Changed += removed(plan.Records(c.Before), plan.Records(c.After))
		}
	}
	var out []*plan.ZoneSummary
	for _, s := range byZone {
		s.NeedsForce = s.Existing >= s.MinRecords && s.Changed*100 > s.ThresholdPercent*s.Existing
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Provider != out[j].Provider {
			return out[i].Provider < out[j].Provider
		}
		return out[i].Zone < out[j].Zone
	})
	return out
}

// removed counts the live records a change takes away or alters.
func removed(owned, want []libdns.RR) int {
	n := 0
	for _, o := range owned {
		kept := false
		for _, w := range want {
			if w.Data == o.Data && w.TTL == o.TTL {
				kept = true
			}
		}
		if !kept {
			n++
		}
	}
	return n
}
