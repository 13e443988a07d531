package libdnsadapter

import (
	"context"
	"errors"
	"time"

	"github.com/libdns/cloudflare"
	"github.com/libdns/route53"

	"github.com/mailform/mailform/providers"
	"github.com/mailform/mailform/providers/dns"
)

// The hosted services compiled in, each configured by its type name with
// credentials given by env() or file() references.
func init() {
	providers.RegisterDNS("cloudflare", func(_ context.Context, cfg providers.Config) (dns.Provider, error) {
		token, err := cfg.Secret("api_token")
		if err != nil {
			return nil, err
		}
		if token == "" {
			return nil, errors.New("cloudflare: no api_token: set api_token = env(\"NAME\") to a token with Zone.DNS edit rights")
		}
		return New("cloudflare", &cloudflare.Provider{APIToken: token}, CloudflareCaps), nil
	})
	providers.RegisterDNS("route53", func(_ context.Context, cfg providers.Config) (dns.Provider, error) {
		p := &route53.Provider{
			Region:       cfg.String("region", ""),
			Profile:      cfg.String("profile", ""),
			HostedZoneID: cfg.String("hosted_zone_id", ""),
		}
		for key, dst := range map[string]*string{
			"access_key_id":     &p.AccessKeyId,
			"secret_access_key": &p.SecretAccessKey,
			"session_token":     &p.SessionToken,
		} {
			v, err := cfg.Secret(key)
			if err != nil {
				return nil, err
			}
			*dst = v
		}
		if (p.AccessKeyId == "") != (p.SecretAccessKey == "") {
			return nil, errors.New("route53: set both access_key_id and secret_access_key, or neither (to use the AWS environment or profile)")
		}
		return New("route53", p, Route53Caps), nil
	})
}

// CloudflareCaps: the record types mailform writes, TTLs from 60 s (1 is
// Cloudflare's "automatic") to one day.
var CloudflareCaps = dns.Capabilities{
	RecordTypes: []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TLSA", "TXT"},
	MinTTL:      60 * time.Second,
	MaxTTL:      24 * time.Hour,
}

// Route53Caps: Route 53 takes any TTL up to 2^31-1 s.
var Route53Caps = dns.Capabilities{
	RecordTypes: []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TLSA", "TXT"},
	MaxTTL:      2147483647 * time.Second,
}
