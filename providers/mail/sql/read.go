package sql

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/schema"
)

// Read reads the whole backend, each table once, all in one consistent
// view. On SQLite the mailboxes, most of the work, are read on a second
// connection that sees the same snapshot, beside the other tables.
func (b *Backend) Read(ctx context.Context) (*mail.State, error) {
	txs, err := b.readTxs(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, tx := range txs {
			tx.Rollback()
		}
	}()
	st := &mail.State{Owner: b.owner}
	rest := reader{ctx: ctx, tx: txs[0], d: b.dialect}
	boxes := reader{ctx: ctx, tx: txs[len(txs)-1], d: b.dialect}
	// With two transactions, the mailboxes are read beside the other
	// tables, and the alias table, matched with the mailboxes, beside
	// mailform's columns of them, once the mailbox table is in.
	var retired []int
	if len(txs) > 1 {
		listed, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			retired = boxes.mailboxes(st, func() { close(listed) })
		}()
		rest.tables(st)
		<-listed
		rest.aliases(st)
		<-done
	} else {
		retired = boxes.mailboxes(st, func() {})
		rest.tables(st)
		rest.aliases(st)
	}
	if err := errors.Join(boxes.err, rest.err); err != nil {
		return nil, err
	}
	if rest.retire(st, retired); rest.err != nil {
		return nil, rest.err
	}
	sortState(st)
	sortBy(st.Aliases, func(a *mail.Alias) string { return a.Address })
	return st, nil
}

// readTxs begins Read's transactions. On SQLite there are two, and a write
// transaction held while they begin keeps any commit out from between
// their first reads, so that both see one snapshot; where that lock cannot
// be had (a read-only database), one transaction reads everything.
func (b *Backend) readTxs(ctx context.Context) ([]*sql.Tx, error) {
	var txs []*sql.Tx
	fail := func(err error) ([]*sql.Tx, error) {
		for _, tx := range txs {
			tx.Rollback()
		}
		return nil, err
	}
	begin := func() error {
		tx, err := b.db.BeginTx(ctx, b.dialect.snapshot)
		if err != nil {
			return err
		}
		txs = append(txs, tx)
		// The snapshot is taken at a transaction's first read.
		var n int
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM mf_meta").Scan(&n)
	}
	if b.dialect.name == "sqlite" {
		if release, ok := b.holdWrites(ctx); ok {
			defer release()
			for range 2 {
				if err := begin(); err != nil {
					return fail(err)
				}
			}
			return txs, nil
		}
	}
	if err := begin(); err != nil {
		return fail(err)
	}
	return txs, nil
}

// holdWrites takes SQLite's write lock, without waiting for a writer that
// has it (an apply's transaction can be long), and returns what releases
// it.
func (b *Backend) holdWrites(ctx context.Context) (func(), bool) {
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return nil, false
	}
	// What puts the connection back as it was runs even when ctx is
	// cancelled: the pool reuses it.
	always := context.WithoutCancel(ctx)
	restore := func() {
		conn.ExecContext(always, "PRAGMA busy_timeout = 10000") // as the DSN sets it
		conn.Close()
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		restore()
		return nil, false
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		restore()
		return nil, false
	}
	return func() {
		conn.ExecContext(always, "ROLLBACK")
		restore()
	}, true
}

// tables reads every table but the mailboxes'.
func (r *reader) tables(st *mail.State) {
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
}

// mailboxes reads the mailboxes: the mailbox table, then mailform's own
// columns from mf_mailbox, matched up here rather than by a join. A join
// looks each mailbox up in mf_mailbox's index, a random walk through the
// file that at half a million mailboxes cost more than the rest of the
// read; two scans in table order read each page once. Both tables are
// written in the same order, so the rows mostly pair up in turn, and a map
// is built only when they do not. Once the mailbox table is read, its
// mailboxes are sorted by address and listed is called: the alias table
// may be matched with them from then on. It returns the retired
// mailboxes, for retire.
func (r *reader) mailboxes(st *mail.State, listed func()) (retired []int) {
	once := sync.OnceFunc(listed) // called on the way out when the mailbox table's read fails
	defer once()
	// One row's values, scanned into the same variables row after row.
	var row struct {
		address, hash, name               string
		quota                             int64
		active, imap, pop3, smtp, webmail bool
		nets                              string
		sendLimit                         int
		require2FA, postmaster            bool
		years                             int
		delegates                         string
		autoreply                         bool
		subject, body                     string
		start, end                        sql.NullString
		retired                           bool
		username                          sql.RawBytes // mf_mailbox's, only matched: not kept
	}
	first := len(st.Mailboxes)
	r.scanRows(`SELECT username, password, name, quota, active FROM mailbox`,
		[]any{&row.address, &row.hash, &row.name, &row.quota, &row.active}, func() error {
			st.Mailboxes = append(st.Mailboxes, &mail.Mailbox{Address: row.address, Password: mail.Password{Hash: row.hash},
				Name: row.name, Quota: row.quota, Active: row.active, Services: services(false, false, false, false)})
			return nil
		})
	if r.err != nil {
		return nil
	}
	boxes := st.Mailboxes[first:]
	sortBy(boxes, func(m *mail.Mailbox) string { return m.Address })
	once()
	next := 0
	var at map[string]int
	find := func(address []byte) int {
		if next < len(boxes) && boxes[next].Address == string(address) {
			next++
			return next - 1
		}
		if at == nil {
			at = make(map[string]int, len(boxes))
			for i, m := range boxes {
				at[m.Address] = i
			}
		}
		i, ok := at[string(address)]
		if !ok {
			return -1
		}
		next = i + 1
		return i
	}
	r.scanRows(`SELECT username, imap, pop3, smtp, webmail, allow_nets, send_limit, require_2fa, postmaster, archive_years,
			archive_delegates, autoreply, autoreply_subject, autoreply_body, autoreply_start, autoreply_end, retired IS NOT NULL
		FROM mf_mailbox`,
		[]any{&row.username, &row.imap, &row.pop3, &row.smtp, &row.webmail, &row.nets, &row.sendLimit, &row.require2FA,
			&row.postmaster, &row.years, &row.delegates, &row.autoreply, &row.subject, &row.body, &row.start, &row.end, &row.retired},
		func() error {
			i := find(row.username)
			if i < 0 {
				return nil // mailform's columns of a mailbox gone from the mailbox table
			}
			if row.retired {
				retired = append(retired, i)
				return nil
			}
			m := boxes[i]
			m.Services = services(row.imap, row.pop3, row.smtp, row.webmail)
			m.AllowedIPs = splitList(row.nets)
			m.SendLimit, m.Require2FA, m.Postmaster = row.sendLimit, row.require2FA, row.postmaster
			if row.years > 0 {
				m.Archive = &mail.Archive{RetentionYears: row.years, Delegates: splitList(row.delegates)}
			}
			if row.autoreply {
				m.Autoresponder = &mail.Autoresponder{Subject: row.subject, Body: row.body, Start: parseTime(row.start), End: parseTime(row.end)}
			}
			return nil
		})
	return retired
}

// retire drops the retired mailboxes, whose deletion waits for their mail's
// purge: they are no longer there. The alias table was matched with them
// too, so the rows of their addresses, which their retiring deleted but
// someone may have written again, are read again as aliases.
func (r *reader) retire(st *mail.State, retired []int) {
	if len(retired) == 0 {
		return
	}
	addresses := make([]any, len(retired))
	for k, i := range retired {
		addresses[k] = st.Mailboxes[i].Address
		st.Mailboxes[i] = nil
	}
	st.Mailboxes = slices.DeleteFunc(st.Mailboxes, func(m *mail.Mailbox) bool { return m == nil })
	inChunks(addresses, func(chunk []any) error {
		r.rowsArgs(`SELECT address, goto FROM alias WHERE address IN `+rowMarks(len(chunk)), chunk, func(s scan) error {
			var address, goTo string
			if err := s(&address, &goTo); err != nil {
				return err
			}
			st.Aliases = append(st.Aliases, &mail.Alias{Address: address, Goto: splitList(goTo)})
			return nil
		})
		return r.err
	})
}

// aliases reads the alias table once the domains and the mailbox table
// are read, the mailboxes in address order (mailform's columns of them
// may be read meanwhile: this sets only their forwarding), and sorts its
// rows into catch-alls, mailboxes' forwarding and aliases. The rows are
// matched against the mailboxes as they come, mostly in the same order,
// and most are a mailbox's own (its address to itself, which says nothing
// the mailbox does not), dropped on the spot, rather than kept to be
// looked up.
func (r *reader) aliases(st *mail.State) {
	domains := make(map[string]*mail.Domain, len(st.Domains))
	for _, d := range st.Domains {
		domains[d.Name] = d
	}
	boxes := st.Mailboxes
	next := 0 // where the next row's mailbox is, when the rows keep to address order
	find := func(address []byte) *mail.Mailbox {
		if next < len(boxes) && boxes[next].Address == string(address) {
			next++
			return boxes[next-1]
		}
		addr := string(address)
		i, ok := slices.BinarySearchFunc(boxes, addr, func(m *mail.Mailbox, a string) int { return strings.Compare(m.Address, a) })
		next = i
		if !ok {
			return nil
		}
		next++
		return boxes[i]
	}
	var address, goTo sql.RawBytes
	r.scanRows(`SELECT address, goto FROM alias`, []any{&address, &goTo}, func() error {
		if domain, ok := bytes.CutPrefix(address, []byte("@")); ok {
			if d := domains[string(domain)]; d != nil {
				if to := splitList(string(goTo)); len(to) > 0 {
					d.CatchAll = to[0]
				}
			}
			return nil
		}
		m := find(address)
		switch {
		case m == nil:
			st.Aliases = append(st.Aliases, &mail.Alias{Address: string(address), Goto: splitList(string(goTo))})
		case !bytes.Equal(goTo, address):
			for _, t := range splitList(string(goTo)) {
				if t == m.Address {
					m.KeepCopy = true
				} else {
					m.Forward = append(m.Forward, t)
				}
			}
			if len(m.Forward) == 0 {
				m.KeepCopy = false
			}
		}
		return nil
	})
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
	r.rowsArgs(query, nil, each)
}

// rowsArgs is rows for a query with arguments.
func (r *reader) rowsArgs(query string, args []any, each func(scan) error) {
	if r.err != nil {
		return
	}
	rows, err := r.tx.QueryContext(r.ctx, r.d.rebind(query), args...)
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

// scanRows runs a query, scanning each row into dest, the same variables
// every row, and calls each after each row: for the large tables.
func (r *reader) scanRows(query string, dest []any, each func() error) {
	r.rows(query, func(s scan) error {
		if err := s(dest...); err != nil {
			return err
		}
		return each()
	})
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
	sortBy(st.Tenants, func(t *mail.Tenant) string { return t.Name })
	sortBy(st.Domains, func(d *mail.Domain) string { return d.Name })
	sortBy(st.AliasDomains, func(a *mail.AliasDomain) string { return a.Name })
	sortBy(st.Mailboxes, func(m *mail.Mailbox) string { return m.Address })
	sortBy(st.RelayUsers, func(u *mail.RelayUser) string { return u.Name })
	if !slices.IsSortedFunc(st.DKIMKeys, compareDKIMKeys) {
		slices.SortFunc(st.DKIMKeys, compareDKIMKeys)
	}
}

// sortBy sorts a list by a key. Rows mostly come in order already (apply
// writes them by name), and checking costs a tenth of sorting.
func sortBy[T any](list []*T, key func(*T) string) {
	cmp := func(a, b *T) int { return strings.Compare(key(a), key(b)) }
	if !slices.IsSortedFunc(list, cmp) {
		slices.SortFunc(list, cmp)
	}
}

func compareDKIMKeys(a, b *mail.DKIMKey) int {
	if c := strings.Compare(a.Domain, b.Domain); c != 0 {
		return c
	}
	return strings.Compare(a.Selector, b.Selector)
}
