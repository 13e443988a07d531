// Package powerdns is the DNS provider for the PowerDNS authoritative
// server's HTTP API: a zone is read in one GET, all the changes of a zone
// are written in one PATCH of rrsets (REPLACE or DELETE), which PowerDNS
// applies in one transaction, and a missing zone is created when the
// config allows it. It talks only to the API URL the config gives.
package powerdns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/libdns/libdns"
	mdns "github.com/miekg/dns"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dns"
	"github.com/mailform/mailform/schema"
)

func init() {
	providers.RegisterDNS("powerdns", func(_ context.Context, cfg providers.Config) (dns.Provider, error) {
		key, err := cfg.Secret("api_key")
		if err != nil {
			return nil, err
		}
		url, err := cfg.Secret("url")
		if err != nil {
			return nil, err
		}
		return New(Options{
			URL:         url,
			APIKey:      key,
			ServerID:    cfg.String("server_id", "localhost"),
			CreateZones: cfg.Bool("create_zones", false),
			Nameservers: cfg.List("nameservers"),
		})
	})
}

// Options configure a provider.
type Options struct {
	URL         string // API base, e.g. http://127.0.0.1:8081
	APIKey      string
	ServerID    string // default "localhost"
	CreateZones bool
	Nameservers []string // NS of a zone it creates
	Client      *http.Client
}

// Provider talks to one PowerDNS server's API.
type Provider struct {
	base   string // …/api/v1/servers/<id>
	opt    Options
	client *http.Client
}

// New returns a provider for the API at opt.URL.
func New(opt Options) (*Provider, error) {
	if opt.URL == "" {
		return nil, errors.New("powerdns: no url: set url = \"http://host:8081\"")
	}
	u, err := url.Parse(strings.TrimSuffix(opt.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("powerdns: url %q: write it as http://host:port or https://host:port", opt.URL)
	}
	if opt.APIKey == "" {
		return nil, errors.New("powerdns: no api_key: set api_key = env(\"NAME\")")
	}
	if opt.CreateZones && len(opt.Nameservers) == 0 {
		return nil, errors.New("powerdns: create_zones needs nameservers: the NS records of a zone it creates")
	}
	if opt.ServerID == "" {
		opt.ServerID = "localhost"
	}
	for i, ns := range opt.Nameservers {
		opt.Nameservers[i] = mdns.CanonicalName(ns)
	}
	client := opt.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	u.Path = strings.TrimSuffix(u.Path, "/api/v1")
	base := u.String() + "/api/v1/servers/" + url.PathEscape(opt.ServerID)
	return &Provider{base: base, opt: opt, client: client}, nil
}

// Capabilities: the types mailform writes, any TTL, atomic zone updates,
// zones listed, and created when the config allows it.
func (p *Provider) Capabilities() dns.Capabilities {
	return dns.Capabilities{
		RecordTypes: []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TLSA", "TXT"},
		CreateZones: p.opt.CreateZones,
	}
}

// rrset is an rrset as the API has it.
type rrset struct {
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	TTL        int      `json:"ttl,omitempty"`
	ChangeType string   `json:"changetype,omitempty"`
	Records    []record `json:"records"`
}

type record struct {
	Content  string `json:"content"`
	Disabled bool   `json:"disabled"`
}

type zoneJSON struct {
	Name        string   `json:"name"`
	Kind        string   `json:"kind,omitempty"`
	Nameservers []string `json:"nameservers,omitempty"`
	RRsets      []rrset  `json:"rrsets,omitempty"`
}

// ListZones lists the server's zones.
func (p *Provider) ListZones(ctx context.Context) ([]libdns.Zone, error) {
	var zones []zoneJSON
	if err := p.do(ctx, "", "list zones", http.MethodGet, "/zones", nil, &zones); err != nil {
		return nil, err
	}
	out := make([]libdns.Zone, len(zones))
	for i, z := range zones {
		out[i] = libdns.Zone{Name: mdns.CanonicalName(z.Name)}
	}
	return out, nil
}

func zonePath(zone string) string {
	// The API's zone id is the name, with "/" (RFC 2317 zones) as "=2F".
	return "/zones/" + url.PathEscape(strings.ReplaceAll(zone, "/", "=2F"))
}

// GetRecords reads the zone: every enabled record but the SOA.
func (p *Provider) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	zone = mdns.CanonicalName(zone)
	var z zoneJSON
	if err := p.do(ctx, zone, "read", http.MethodGet, zonePath(zone)+"?rrsets=true", nil, &z); err != nil {
		return nil, err
	}
	var out []libdns.Record
	for _, s := range z.RRsets {
		if s.Type == "SOA" {
			continue
		}
		for _, r := range s.Records {
			if r.Disabled {
				continue
			}
			line := fmt.Sprintf("%s %d IN %s %s", s.Name, s.TTL, s.Type, r.Content)
			parsed, err := schema.ParseRR(line)
			if err != nil {
				return nil, fmt.Errorf("%s: cannot read the record %q: %v", p.where(zone), line, err)
			}
			out = append(out, dns.FromMiekg(zone, parsed))
		}
	}
	return out, nil
}

// UpdateZone writes the rrsets in one PATCH: REPLACE for an rrset with
// records, DELETE for one without. PowerDNS applies it all or nothing.
func (p *Provider) UpdateZone(ctx context.Context, zone string, sets []dns.RRSet) error {
	zone = mdns.CanonicalName(zone)
	var body struct {
		RRsets []rrset `json:"rrsets"`
	}
	for _, s := range sets {
		out := rrset{Name: mdns.CanonicalName(libdns.AbsoluteName(s.Name, zone)), Type: strings.ToUpper(s.Type), ChangeType: "DELETE", Records: []record{}}
		for _, rec := range s.Records {
			rr, err := dns.ToMiekg(zone, rec)
			if err != nil {
				return fmt.Errorf("%s: %w; nothing was changed", p.where(zone), err)
			}
			out.ChangeType = "REPLACE"
			out.TTL = int(rr.Header().Ttl)
			out.Records = append(out.Records, record{Content: strings.TrimPrefix(rr.String(), rr.Header().String())})
		}
		body.RRsets = append(body.RRsets, out)
	}
	if len(body.RRsets) == 0 {
		return nil
	}
	return p.do(ctx, zone, "update", http.MethodPatch, zonePath(zone), body, nil)
}

// CreateZone creates a native zone with the configured nameservers;
// PowerDNS writes its SOA from default-soa-content and bumps its serial on
// every change made through the API (SOA-EDIT-API DEFAULT).
func (p *Provider) CreateZone(ctx context.Context, zone string) error {
	zone = mdns.CanonicalName(zone)
	if !p.opt.CreateZones {
		return fmt.Errorf("%s: the zone does not exist and create_zones is not set: create it on the server, or set create_zones = true", p.where(zone))
	}
	body := map[string]any{"name": zone, "kind": "Native", "nameservers": p.opt.Nameservers, "soa_edit_api": "DEFAULT"}
	return p.do(ctx, zone, "create zone", http.MethodPost, "/zones", body, nil)
}

func (p *Provider) where(zone string) string {
	if zone == "" {
		return "powerdns " + p.opt.URL
	}
	return fmt.Sprintf("powerdns %s, zone %s", p.opt.URL, strings.TrimSuffix(zone, "."))
}

// do sends one request and decodes the answer into out. Errors name the
// server, the zone and what to fix; the API key never appears in them.
func (p *Provider) do(ctx context.Context, zone, what, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, body)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", p.where(zone), what, err)
	}
	req.Header.Set("X-API-Key", p.opt.APIKey)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	changes := method != http.MethodGet
	resp, err := p.client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return fmt.Errorf("%s: %s: cannot reach the API (%v): check that the server runs with api=yes and webserver-address, and that url = %q%s", p.where(zone), what, op.Err, p.opt.URL, nothingChanged(changes))
		}
		if changes {
			return fmt.Errorf("%s: %s: %v; the server may or may not have applied it: plan again to see", p.where(zone), what, unwrapURL(err))
		}
		return fmt.Errorf("%s: %s: %v", p.where(zone), what, unwrapURL(err))
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<26))
	if resp.StatusCode >= 300 {
		return p.statusError(ctx, zone, what, resp.StatusCode, data, changes)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s: %s: the API's answer is not the JSON expected: %v", p.where(zone), what, err)
		}
	}
	return nil
}

// serverFound tells a missing zone from a wrong url or server_id: both are
// a 404 with the same body, but only the second fails to list zones.
func (p *Provider) serverFound(ctx context.Context) bool {
	_, err := p.ListZones(ctx)
	return err == nil
}

func nothingChanged(changes bool) string {
	if changes {
		return "; nothing was changed"
	}
	return ""
}

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (p *Provider) statusError(ctx context.Context, zone, what string, status int, body []byte, changes bool) error {
	var msg struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(body, &msg)
	said := strings.TrimSpace(msg.Error)
	if said == "" {
		said = strings.TrimSpace(string(body))
		if len(said) > 200 {
			said = said[:200] + "…"
		}
	}
	var fix string
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		fix = "the API key was refused: check api_key against the server's api-key"
		said = ""
	case status == http.StatusNotFound && zone != "" && what != "create zone" && p.serverFound(ctx):
		fix = "the server has no such zone: create it, or set create_zones = true"
		said = ""
	case status == http.StatusNotFound:
		fix = fmt.Sprintf("no such API path: check url and server_id (%q)", p.opt.ServerID)
	case status == http.StatusConflict:
		fix = "the zone exists already"
	case status == http.StatusUnprocessableEntity:
		fix = "the server refused the data"
	default:
		fix = "see the server's log"
	}
	if said != "" {
		fix += " (" + said + ")"
	}
	return fmt.Errorf("%s: %s: HTTP %d: %s%s", p.where(zone), what, status, fix, nothingChanged(changes))
}

// Interface guards.
var (
	_ dns.Provider      = (*Provider)(nil)
	_ dns.Updater       = (*Provider)(nil)
	_ dns.ZoneCreator   = (*Provider)(nil)
	_ libdns.ZoneLister = (*Provider)(nil)
)
