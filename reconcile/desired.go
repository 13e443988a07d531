package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

// NoLogin is the stored password of a postmaster the config gives none: a
// crypt string no password matches.
const NoLogin = "{CRYPT}!"

// Desired is what the config says the backends must hold, by backend name.
// Verification tokens are left empty: Diff takes the live one, or derives
// it.
type Desired struct {
	Mail map[string]*mail.State
}

// DesiredState builds the desired state of every backend from a valid
// config, resolving secret references through env. Every reference that
// cannot be resolved is reported, at its place, without its value.
func DesiredState(cfg *schema.Config, env schema.Environment) (*Desired, hcl.Diagnostics) {
	if diags := schema.CheckSecrets(cfg, env); diags.HasErrors() {
		return nil, diags
	}
	b := &builder{cfg: cfg, env: env, out: &Desired{Mail: map[string]*mail.State{}}}
	for _, t := range cfg.Tenants {
		b.tenant(t)
	}
	return b.out, b.diags
}

type builder struct {
	cfg   *schema.Config
	env   schema.Environment
	out   *Desired
	diags hcl.Diagnostics
}

func (b *builder) state(name string) *mail.State {
	st := b.out.Mail[name]
	if st == nil {
		st = &mail.State{}
		b.out.Mail[name] = st
	}
	return st
}

func (b *builder) tenant(t *schema.Tenant) {
	st := b.state(BackendOf(t))
	te := t.Effective
	mt := &mail.Tenant{Name: t.Name, DisplayName: t.DisplayName, MaxMailboxes: derefOr(t.MaxMailboxes, 0),
		MaxQuota: int64(te.MaxQuota.Value), Require2FA: te.Require2FA}
	for _, m := range t.Managers {
		domains := m.Domains
		if !m.Has("domains") {
			domains = nil
			for _, d := range t.Domains {
				domains = append(domains, d.Name)
			}
		}
		mt.Managers = append(mt.Managers, mail.Manager{Address: m.Address, Name: m.Name, Domains: domains})
	}
	st.Tenants = append(st.Tenants, mt)
	for _, d := range t.Domains {
		b.domain(st, t, d)
	}
	for _, r := range t.RelayUsers {
		st.RelayUsers = append(st.RelayUsers, &mail.RelayUser{
			Name: r.Name, Tenant: t.Name, Password: b.password(r.PasswordHash, r.Password, &r.Node),
			SenderDomains: r.SenderDomains, SenderAddresses: r.SenderAddresses,
			Active: derefOr(r.Active, true), Priority: string(derefOr(r.Priority, "normal")), Notes: r.Notes,
		})
	}
}

func (b *builder) domain(st *mail.State, t *schema.Tenant, d *schema.Domain) {
	de := d.Effective
	md := &mail.Domain{
		Name: d.Name, Tenant: t.Name, Branding: string(de.Branding), MaxMailboxes: derefOr(d.MaxMailboxes, 0),
		MaxQuota: int64(de.MaxQuota.Value), DefaultQuota: int64(de.DefaultQuota.Value), DefaultSendLimit: de.DefaultSendLimit.Value,
		Services: de.Services.Names(), AllowedIPs: d.AllowedIPs, CatchAll: d.CatchAll, Require2FA: de.Require2FA, Verified: true, Active: true,
	}
	if p := de.PurgeDeletedMail; p != nil {
		md.PurgeDeletedMail = p.String()
	}
	if cu := d.Customization; cu != nil {
		md.CustomHostname, md.CustomTitle = cu.Hostname, cu.Title
		if cu.Logo != "" {
			logo, err := b.cfg.Access.Read(cu.Logo, schema.MaxLogoFile)
			if err != nil {
				b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("logo %s cannot be read", cu.Logo),
					Detail: "It was read when the config was validated: it changed since. The path is relative to the config directory.", Subject: cu.At("logo").Ptr()})
			}
			sum := sha256.Sum256(logo)
			md.Logo, md.LogoSHA256 = logo, hex.EncodeToString(sum[:])
		}
	}
	st.Domains = append(st.Domains, md)
	for _, a := range d.AliasDomains {
		st.AliasDomains = append(st.AliasDomains, &mail.AliasDomain{Name: a.Name, Target: d.Name, Verified: true, Active: true})
	}
	pm := &mail.Mailbox{Address: "postmaster@" + d.Name, Name: "Postmaster", Quota: int64(schema.PostmasterQuota),
		Password: mail.HashPassword(NoLogin), Services: de.Services.Names(), AllowedIPs: d.AllowedIPs,
		SendLimit: de.DefaultSendLimit.Value, Require2FA: de.Require2FA, Postmaster: true, Active: true}
	if p := d.Postmaster; p != nil {
		pm.Password = b.password(p.PasswordHash, p.Password, &p.Node)
	}
	st.Mailboxes = append(st.Mailboxes, pm)
	for _, m := range d.Mailboxes {
		me := m.Effective
		mm := &mail.Mailbox{
			Address: me.Address, Name: m.DisplayName, Quota: int64(me.Quota.Value), Password: b.password(m.PasswordHash, m.Password, &m.Node),
			Services: me.Services.Names(), AllowedIPs: d.AllowedIPs, SendLimit: me.SendLimit.Value, Require2FA: me.Require2FA, Active: me.Enabled,
			Previous: m.MovedFrom,
		}
		if f := m.Forward; f != nil {
			mm.Forward, mm.KeepCopy = f.To, derefOr(f.KeepCopy, true)
		}
		if a := m.Autoresponder; a != nil {
			mm.Autoresponder = &mail.Autoresponder{Subject: a.Subject, Body: a.Body, Start: startOf(a.Start), End: endOf(a.End)}
		}
		if a := m.Archive; a != nil {
			mm.Archive = &mail.Archive{RetentionYears: a.RetentionYears, Delegates: a.Delegates}
		}
		st.Mailboxes = append(st.Mailboxes, mm)
	}
	for _, a := range d.Aliases {
		st.Aliases = append(st.Aliases, &mail.Alias{Address: a.Name + "@" + d.Name, Goto: a.To})
	}
}

// password turns a config's password into what the backend compares and
// stores. A password_hash reference must hold a crypt hash.
func (b *builder) password(hash, ref *schema.Secret, n *schema.Node) mail.Password {
	switch {
	case hash != nil && hash.Kind == schema.SecretHash:
		return mail.HashPassword(hash.Hash)
	case hash != nil:
		v, err := b.env.Resolve(b.cfg.Access, *hash)
		if err != nil {
			b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: err.Error(),
				Detail: "password_hash takes a crypt hash such as {SHA512-CRYPT}$6$…; to give the plaintext, use password instead.", Subject: n.At("password_hash").Ptr(), Extra: schema.Sensitive{}})
		} else if d := schema.CheckReferencedHash(n.At("password_hash"), *hash, v); d != nil {
			d.Detail += " To give the plaintext instead, use password = " + hash.String() + "."
			b.diags = append(b.diags, d)
		}
		return mail.HashPassword(v)
	case ref != nil:
		v, err := b.env.Resolve(b.cfg.Access, *ref)
		if err != nil || v == "" {
			if err == nil {
				err = fmt.Errorf("the secret %s holds is empty", ref)
			}
			b.diags = append(b.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: err.Error(),
				Detail: "Give the mailbox a password.", Subject: n.At("password").Ptr(), Extra: schema.Sensitive{}})
		}
		return mail.PlainPassword(v)
	}
	return mail.HashPassword(NoLogin)
}

// startOf is when an autoresponder starts: a day starts at its midnight.
func startOf(d *schema.Date) *time.Time {
	if d == nil {
		return nil
	}
	t := d.Time.UTC()
	return &t
}

// endOf is when an autoresponder stops: a day given alone is included, so
// it stops at the next midnight.
func endOf(d *schema.Date) *time.Time {
	if d == nil {
		return nil
	}
	t := d.Time.UTC()
	if d.DateOnly {
		t = t.AddDate(0, 0, 1)
	}
	return &t
}
