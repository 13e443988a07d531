package reconcile

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/reconcile/plan"
	"github.com/mailform/mailform/schema"
)

// Token is a domain's verification token: the one a backend holds, or the
// one VerificationToken derives.
func (l *Live) Token(domain string) string {
	l.index()
	if t := l.tokens[domain]; t != "" {
		return t
	}
	return VerificationToken(domain)
}

// DKIMKey is the DKIM key a backend holds for a domain and selector, or nil.
func (l *Live) DKIMKey(domain, selector string) *mail.DKIMKey {
	l.index()
	return l.keys[selector+"._domainkey."+domain]
}

// SigningKey is the DKIM key that signs a domain's mail, or nil.
func (l *Live) SigningKey(domain string) *mail.DKIMKey {
	l.index()
	return l.signing[domain]
}

// index builds the lookups Token, DKIMKey and SigningKey use, once.
func (l *Live) index() {
	l.once.Do(func() {
		l.tokens = map[string]string{}
		l.keys = map[string]*mail.DKIMKey{}
		l.signing = map[string]*mail.DKIMKey{}
		for _, st := range l.Mail {
			for _, d := range st.Domains {
				if d.VerificationToken != "" {
					l.tokens[d.Name] = d.VerificationToken
				}
			}
			for _, a := range st.AliasDomains {
				if a.VerificationToken != "" {
					l.tokens[a.Name] = a.VerificationToken
				}
			}
			for _, k := range st.DKIMKeys {
				l.keys[k.Selector+"._domainkey."+k.Domain] = k
				if k.Active {
					l.signing[k.Domain] = k
				}
			}
		}
	})
}

// PlanOptions tune MakePlan.
type PlanOptions struct {
	Targets []string // --target addresses
	Refresh RefreshOptions
	// Fingerprint fills in Plan.LiveFingerprint, which a saved plan and the
	// JSON form carry: hashing the whole live side is left out of a plan
	// that is only shown.
	Fingerprint bool
}

// MakePlan makes a plan for a loaded, valid config whose files have the
// given ConfigChecksum: it resolves the secrets (problems come back as
// diagnostics with their places), reads the live side and diffs.
func MakePlan(ctx context.Context, cfg *schema.Config, checksum string, env schema.Environment, provs *Providers, opt PlanOptions) (*plan.Plan, *Live, hcl.Diagnostics, error) {
	// The config's side is worked out while the live side is read; a
	// config whose secrets do not resolve stops the reading.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var want *Desired
	var diags hcl.Diagnostics
	done := make(chan struct{})
	go func() {
		defer close(done)
		if want, diags = DesiredState(cfg, env); diags.HasErrors() {
			cancel()
		}
	}()
	live, err := Refresh(ctx, cfg, provs, opt.Refresh)
	<-done
	if diags.HasErrors() {
		return nil, nil, diags, nil
	}
	if err != nil {
		return nil, nil, diags, err
	}
	var fingerprint chan string
	if opt.Fingerprint {
		fingerprint = make(chan string, 1)
		go func() { fingerprint <- live.Fingerprint() }()
	}
	p, err := Diff(cfg, want, live)
	if err != nil {
		return nil, live, diags, err
	}
	if fingerprint != nil {
		p.LiveFingerprint = <-fingerprint
	}
	p.ConfigChecksum = checksum
	if p, err = p.Target(opt.Targets); err != nil {
		return nil, live, diags, err
	}
	return p, live, diags, nil
}

// DomainRecords is the mail DNS of one domain (real or alias), with the
// DKIM keys and tokens the live backends hold.
func DomainRecords(cfg *schema.Config, live *Live, name string) (*DomainDNS, error) {
	ascii, err := schema.CanonicalDomain(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, dd := range MailDNS(cfg, live.Token, live) {
		if dd.Domain == ascii {
			return dd, nil
		}
	}
	_, _, err = findDomain(cfg, name)
	return nil, err
}
