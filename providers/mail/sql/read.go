package sql

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

// Read reads the whole backend, each table once.
func (b *Backend) Read(ctx context.Context) (*mail.State, error) {
	tx, err := b.db.BeginTx(ctx, b.dialect.snapshot)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	st := &mail.State{Owner: b.owner}
	r := reader{ctx: ctx, tx: tx, d: b.dialect}
	tenants := map[string]*mail.Tenant{}
	r.rows(`SELECT name, owner, display_name, max_mailboxes, max_quota, require_2fa FROM mf_tenant`, func(s scan) error {
		t := &mail.Tenant{}
		if err := s(&t.Name, &t.Owner, &t.DisplayName, &t.MaxMailboxes, &t.MaxQuota, &t.Require2FA); err != nil {
			return err
		}
		tenants[t.Name] = t
		st.Tenants = append(st.Tenants, t)
		return nil
	})
	r.rows(`SELECT tenant, address, name, domains FROM mf_manager ORDER BY tenant, address`, func(s scan) error {
		var tenant, domains string
		m := mail.Manager{}
		if err := s(&tenant, &m.Address, &m.Name, &domains); err != nil {
			return err
		}
		m.Domains = splitList(domains)
		if t := tenants[tenant]; t != nil {
			t.Managers = append(t.Managers, m)
		}
		return nil
	})
	domains := map[string]*mail.Domain{}
	r.rows(`SELECT d.domain, d.mailboxes, d.active, COALESCE(x.tenant, ''), COALESCE(x.branding, ''), COALESCE(x.max_quota, 0),
			COALESCE(x.default_quota, 0), COALESCE(x.default_send_limit, 0), COALESCE(x.imap, FALSE), COALESCE(x.pop3, FALSE),
			COALESCE(x.smtp, FALSE), COALESCE(x.webmail, FALSE), COALESCE(x.allowed_ips, ''), COALESCE(x.require_2fa, FALSE),
			COALESCE(x.custom_hostname, ''), COALESCE(x.custom_title, ''), COALESCE(x.custom_logo_sha256, ''),
			COALESCE(x.verification_token, ''), COALESCE(x.purge_deleted_mail, ''), COALESCE(x.verified, TRUE)
		FROM domain d LEFT JOIN mf_domain x ON x.domain = d.domain`, func(s scan) error {
		d := &mail.Domain{}
		var imap, pop3, smtp, webmail bool
		var ips string
		if err := s(&d.Name, &d.MaxMailboxes, &d.Active, &d.Tenant, &d.Branding, &d.MaxQuota, &d.DefaultQuota, &d.DefaultSendLimit,
			&imap, &pop3, &smtp, &webmail, &ips, &d.Require2FA, &d.CustomHostname, &d.CustomTitle, &d.LogoSHA256, &d.VerificationToken, &d.PurgeDeletedMail, &d.Verified); err != nil {
			return err
		}
		d.Services = services(imap, pop3, smtp, webmail)
		d.AllowedIPs = splitList(ips)
		domains[d.Name] = d
		st.Domains = append(st.Domains, d)
		return nil
	})
	r.rows(`SELECT a.alias_domain, a.target_domain, a.active, COALESCE(x.verification_token, ''), COALESCE(x.verified, TRUE)
		FROM alias_domain a LEFT JOIN mf_alias_domain x ON x.alias_domain = a.alias_domain`, func(s scan) error {
		a := &mail.AliasDomain{}
		if err := s(&a.Name, &a.Target, &a.Active, &a.VerificationToken, &a.Verified); err != nil {
			return err
		}
		st.AliasDomains = append(st.AliasDomains, a)
		return nil
	})
	mailboxes := map[string]*mail.Mailbox{}
	r.rows(`SELECT m.username, m.password, m.name, m.quota, m.active, COALESCE(x.imap, FALSE), COALESCE(x.pop3, FALSE),
			COALESCE(x.smtp, FALSE), COALESCE(x.webmail, FALSE), COALESCE(x.allow_nets, ''), COALESCE(x.send_limit, 0),
			COALESCE(x.require_2fa, FALSE), COALESCE(x.postmaster, FALSE), COALESCE(x.archive_years, 0),
			COALESCE(x.archive_delegates, ''), COALESCE(x.autoreply, FALSE), COALESCE(x.autoreply_subject, ''),
			COALESCE(x.autoreply_body, ''), x.autoreply_start, x.autoreply_end
		FROM mailbox m LEFT JOIN mf_mailbox x ON x.username = m.username
		WHERE x.retired IS NULL`, func(s scan) error {
		m := &mail.Mailbox{}
		var imap, pop3, smtp, webmail, autoreply bool
		var nets, delegates, subject, body string
		var years int
		var start, end sql.NullString
		if err := s(&m.Address, &m.Password.Hash, &m.Name, &m.Quota, &m.Active, &imap, &pop3, &smtp, &webmail, &nets,
			&m.SendLimit, &m.Require2FA, &m.Postmaster, &years, &delegates, &autoreply, &subject, &body, &start, &end); err != nil {
			return err
		}
		m.Services = services(imap, pop3, smtp, webmail)
		m.AllowedIPs = splitList(nets)
		if years > 0 {
			m.Archive = &mail.Archive{RetentionYears: years, Delegates: splitList(delegates)}
		}
		if autoreply {
			m.Autoresponder = &mail.Autoresponder{Subject: subject, Body: body, Start: parseTime(start), End: parseTime(end)}
		}
		mailboxes[m.Address] = m
		st.Mailboxes = append(st.Mailboxes, m)
		return nil
	})
	r.rows(`SELECT address, goto, domain FROM alias`, func(s scan) error {
		var addr, gotoList, domain string
		if err := s(&addr, &gotoList, &domain); err != nil {
			return err
		}
		to := splitList(gotoList)
		switch {
		case strings.HasPrefix(addr, "@"):
			if d := domains[strings.TrimPrefix(addr, "@")]; d != nil && len(to) > 0 {
				d.CatchAll = to[0]
			}
		case mailboxes[addr] != nil:
			m := mailboxes[addr]
			for _, t := range to {
				if t == addr {
					m.KeepCopy = true
				} else {
					m.Forward = append(m.Forward, t)
				}
			}
			if len(m.Forward) == 0 {
				m.KeepCopy = false
			}
		default:
			st.Aliases = append(st.Aliases, &mail.Alias{Address: addr, Goto: to})
		}
		return nil
	})
	r.rows(`SELECT name, tenant, password, sender_domains, sender_addresses, active, priority, notes FROM mf_relay_user`, func(s scan) error {
		u := &mail.RelayUser{}
		var doms, addrs string
		if err := s(&u.Name, &u.Tenant, &u.Password.Hash, &doms, &addrs, &u.Active, &u.Priority, &u.Notes); err != nil {
			return err
		}
		u.SenderDomains, u.SenderAddresses = splitList(doms), splitList(addrs)
		st.RelayUsers = append(st.RelayUsers, u)
		return nil
	})
	r.rows(`SELECT domain, selector, algorithm, bits, public_key, private_key, active FROM mf_dkim_key`, func(s scan) error {
		k := &mail.DKIMKey{}
		if err := s(&k.Domain, &k.Selector, &k.Algorithm, &k.Bits, &k.PublicKey, &k.PrivateKey, &k.Active); err != nil {
			return err
		}
		st.DKIMKeys = append(st.DKIMKeys, k)
		return nil
	})
	if r.err != nil {
		return nil, r.err
	}
	sortState(st)
	return st, nil
}

type scan func(dest ...any) error

// reader runs queries until the first error, which it keeps.
type reader struct {
	ctx context.Context
	tx  *sql.Tx
	d   dialect
	err error
}

func (r *reader) rows(query string, each func(scan) error) {
	if r.err != nil {
		return
	}
	rows, err := r.tx.QueryContext(r.ctx, r.d.rebind(query))
	if err != nil {
		r.err = fmt.Errorf("read: %w", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			r.err = fmt.Errorf("read: %w", err)
			return
		}
	}
	if err := rows.Err(); err != nil {
		r.err = fmt.Errorf("read: %w", err)
	}
}

// services lists the services switched on, in a list shared with every
// row alike.
func services(imap, pop3, smtp, webmail bool) []string {
	var on schema.Services
	for i, b := range []bool{imap, pop3, smtp, webmail} {
		if b {
			on |= schema.ServicesOf(schema.AllServices[i])
		}
	}
	return on.Names()
}

// splitList reads the comma-separated lists the tables keep.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func joinList(s []string) string { return strings.Join(s, ",") }

func parseTime(s sql.NullString) *time.Time {
	if !s.Valid || s.String == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s.String)
	if err != nil {
		return nil
	}
	return &t
}

func formatTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func sortState(st *mail.State) {
	sort.Slice(st.Tenants, func(i, j int) bool { return st.Tenants[i].Name < st.Tenants[j].Name })
	sort.Slice(st.Domains, func(i, j int) bool { return st.Domains[i].Name < st.Domains[j].Name })
	sort.Slice(st.AliasDomains, func(i, j int) bool { return st.AliasDomains[i].Name < st.AliasDomains[j].Name })
	sort.Slice(st.Mailboxes, func(i, j int) bool { return st.Mailboxes[i].Address < st.Mailboxes[j].Address })
	sort.Slice(st.Aliases, func(i, j int) bool { return st.Aliases[i].Address < st.Aliases[j].Address })
	sort.Slice(st.RelayUsers, func(i, j int) bool { return st.RelayUsers[i].Name < st.RelayUsers[j].Name })
	sort.Slice(st.DKIMKeys, func(i, j int) bool {
		a, b := st.DKIMKeys[i], st.DKIMKeys[j]
		return a.Domain < b.Domain || (a.Domain == b.Domain && a.Selector < b.Selector)
	})
}
