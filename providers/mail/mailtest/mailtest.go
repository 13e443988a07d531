// Package mailtest is the conformance suite every mail backend passes: what
// Apply writes, Read gives back; a failed Apply leaves nothing behind; a
// retired mailbox comes back when created again. Each behaviour is a named
// sub-test, so that a failure names what broke. It is imported only by
// tests.
package mailtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mailform/mailform/providers/mail"
)

// Open returns a new, empty backend for one test.
type Open func(t *testing.T) mail.Backend

const (
	infoHash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
	gb       = int64(1 << 30)
)

// compare leaves out the password (checked by Verify) and the DKIM private
// key (checked apart).
var compare = cmp.Options{
	cmpopts.IgnoreFields(mail.Mailbox{}, "Password"),
	cmpopts.IgnoreFields(mail.RelayUser{}, "Password"),
	cmpopts.IgnoreFields(mail.Domain{}, "Logo"),
	cmpopts.EquateEmpty(),
}

func fixture() *mail.State {
	start := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 8, 25, 0, 0, 0, 0, time.UTC)
	return &mail.State{
		Tenants: []*mail.Tenant{{Name: "acme", Owner: "default", DisplayName: "ACME", MaxMailboxes: 10, MaxQuota: 16 * gb,
			Managers: []mail.Manager{{Address: "it@acme.example", Name: "IT", Domains: []string{"acme.example"}}}}},
		Domains: []*mail.Domain{{Name: "acme.example", Tenant: "acme", Branding: "customer", MaxMailboxes: 5, MaxQuota: 8 * gb,
			DefaultQuota: 4 * gb, DefaultSendLimit: 250, Services: []string{"imap", "smtp", "webmail"}, AllowedIPs: []string{"198.51.100.20", "2001:db8::/48"},
			CatchAll: "info@acme.example", Require2FA: true, CustomTitle: "ACME", LogoSHA256: "abc", Logo: []byte("png"),
			VerificationToken: "d123456789", PurgeDeletedMail: "30d", Active: true}},
		AliasDomains: []*mail.AliasDomain{{Name: "xn--acm-bma.example", Target: "acme.example", VerificationToken: "d987654321", Active: true}},
		Mailboxes: []*mail.Mailbox{
			{Address: "info@acme.example", Name: "Info", Quota: 4 * gb, Password: mail.Password{Hash: infoHash}, Services: []string{"imap", "smtp"},
				AllowedIPs: []string{"198.51.100.20"}, SendLimit: 250, Require2FA: true, Forward: []string{"boss@example.org"}, KeepCopy: true,
				Autoresponder: &mail.Autoresponder{Subject: "Away", Body: "Back soon.\n", Start: &start, End: &end},
				Archive:       &mail.Archive{RetentionYears: 10, Delegates: []string{"it@acme.example"}}, Active: true},
			{Address: "postmaster@acme.example", Quota: 50 << 20, Password: mail.PlainPassword("pm-secret"), Services: []string{"imap"}, Postmaster: true, Active: true},
			{Address: "shop@acme.example", Quota: 2 * gb, Password: mail.PlainPassword("shop-secret"), Services: []string{"imap", "smtp"},
				SendLimit: 1000, Forward: []string{"orders@example.org", "info@acme.example"}, KeepCopy: false, Active: true},
		},
		Aliases:    []*mail.Alias{{Address: "sales@acme.example", Goto: []string{"info@acme.example", "shop@acme.example"}}},
		RelayUsers: []*mail.RelayUser{{Name: "web", Tenant: "acme", Password: mail.PlainPassword("relay-secret"), SenderDomains: []string{"acme.example"}, Active: true, Priority: "high", Notes: "site"}},
		DKIMKeys:   []*mail.DKIMKey{{Domain: "acme.example", Selector: "mail", Algorithm: "rsa", Bits: 2048, PublicKey: "MIIB", PrivateKey: "-----BEGIN", Active: true}},
	}
}

// opsFor turns a state into operations on all of it: parents first to
// create, children first to delete.
func opsFor(st *mail.State, a mail.Action) []mail.Op {
	var ops []mail.Op
	for _, t := range st.Tenants {
		ops = append(ops, mail.Op{Action: a, Tenant: t})
	}
	for _, d := range st.Domains {
		ops = append(ops, mail.Op{Action: a, Domain: d})
	}
	for _, x := range st.AliasDomains {
		ops = append(ops, mail.Op{Action: a, AliasDomain: x})
	}
	for _, k := range st.DKIMKeys {
		ops = append(ops, mail.Op{Action: a, DKIMKey: k})
	}
	for _, m := range st.Mailboxes {
		ops = append(ops, mail.Op{Action: a, Mailbox: m})
	}
	for _, x := range st.Aliases {
		ops = append(ops, mail.Op{Action: a, Alias: x})
	}
	for _, u := range st.RelayUsers {
		ops = append(ops, mail.Op{Action: a, RelayUser: u})
	}
	if a == mail.Delete {
		for i, j := 0, len(ops)-1; i < j; i, j = i+1, j-1 {
			ops[i], ops[j] = ops[j], ops[i]
		}
	}
	return ops
}

func creates(st *mail.State) []mail.Op { return opsFor(st, mail.Create) }

// purger is the backend's purge list, which every backend keeps.
func purger(t *testing.T, b mail.Backend) mail.Purger {
	t.Helper()
	p, ok := b.(mail.Purger)
	if !ok {
		t.Fatal("the backend keeps no purge list (mail.Purger): deleted mailboxes' mail could never be purged")
	}
	return p
}

// seeded is a new backend holding the fixture, and the fixture.
func seeded(t *testing.T, open Open) (mail.Backend, *mail.State) {
	t.Helper()
	b, st := open(t), fixture()
	if err := b.Apply(context.Background(), creates(st)); err != nil {
		t.Fatal(err)
	}
	return b, st
}

// Run runs the suite: one named sub-test per behaviour. What a failed
// Apply leaves is checked against what the backend declares: nothing, for
// an atomic backend; exactly the operations its PartialError counts, for
// one that is not.
func Run(t *testing.T, open Open) {
	for _, c := range []struct {
		name string
		test func(*testing.T, Open)
	}{
		{"a new backend is empty", empty},
		{"what Apply writes Read gives back", roundTrip},
		{"updates replace what they name", update},
		{"a deleted mailbox is retired and comes back when created", retireAndRevive},
		{"a moved mailbox keeps its mail and password", move},
		{"the purge list", purgeList},
		{"mail directories never overlap", separateMaildirs},
		{"deleting everything leaves nothing", deleteAll},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, open) })
	}
	if open(t).Capabilities().Atomic {
		t.Run("a failed apply writes nothing (declared atomic)", func(t *testing.T) { failedApplyWritesNothing(t, open) })
	} else {
		t.Run("a failed apply says what it wrote (declared not atomic)", func(t *testing.T) { failedApplySaysWhatItWrote(t, open) })
	}
}

// failing is the fixture's creates and, after them, one that cannot be
// done: a DKIM key without its key.
func failing() []mail.Op {
	return append(creates(fixture()), mail.Op{Action: mail.Create, DKIMKey: &mail.DKIMKey{Domain: "acme.example", Selector: "broken"}})
}

// count is the number of objects a backend holds.
func count(t *testing.T, b mail.Backend) int {
	t.Helper()
	st, err := b.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(st.Tenants) + len(st.Domains) + len(st.AliasDomains) + len(st.Mailboxes) + len(st.Aliases) + len(st.RelayUsers) + len(st.DKIMKeys)
}

func applyFails(t *testing.T, b mail.Backend, ops []mail.Op) error {
	t.Helper()
	err := b.Apply(context.Background(), ops)
	if err == nil {
		t.Fatal("an operation that cannot be done did not fail")
	}
	if !strings.Contains(err.Error(), "broken._domainkey.acme.example") {
		t.Errorf("the error does not say which object: %v", err)
	}
	return err
}

func empty(t *testing.T, open Open) {
	ctx := context.Background()
	st, err := open(t).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(st.Tenants) + len(st.Domains) + len(st.Mailboxes) + len(st.Aliases); n != 0 {
		t.Errorf("a new backend holds %d objects", n)
	}
}

func roundTrip(t *testing.T, open Open) {
	ctx := context.Background()
	b := open(t)
	want := fixture()
	if err := b.Apply(ctx, creates(want)); err != nil {
		t.Fatal(err)
	}
	got, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want.Owner = got.Owner
	if diff := cmp.Diff(want, got, compare); diff != "" {
		t.Errorf("read back (-applied +read):\n%s", diff)
	}
	for _, m := range got.Mailboxes {
		if !strings.HasPrefix(m.Password.Hash, "{") {
			t.Errorf("%s: password stored without its scheme: %.12s…", m.Address, m.Password.Hash)
		}
	}
	if !mail.PlainPassword("pm-secret").Matches(got.Mailboxes[1].Password) || !mail.PlainPassword("relay-secret").Matches(got.RelayUsers[0].Password) {
		t.Error("a password from a secret does not verify against what was stored")
	}
	if got.DKIMKeys[0].PrivateKey != "-----BEGIN" {
		t.Error("the DKIM private key was not stored")
	}
}

func update(t *testing.T, open Open) {
	ctx := context.Background()
	b, st := seeded(t, open)
	m := *st.Mailboxes[0]
	m.Quota, m.Forward, m.KeepCopy, m.Autoresponder, m.Archive, m.Services = 8*gb, nil, false, nil, nil, []string{"imap", "pop3"}
	d := *st.Domains[0]
	d.CatchAll, d.Services = "", []string{"imap", "pop3"}
	a := &mail.Alias{Address: "sales@acme.example", Goto: []string{"info@acme.example"}}
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Update, Domain: &d}, {Action: mail.Update, Mailbox: &m}, {Action: mail.Update, Alias: a}}); err != nil {
		t.Fatal(err)
	}
	got, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&m, got.Mailboxes[0], compare); diff != "" {
		t.Errorf("mailbox (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&d, got.Domains[0], compare); diff != "" {
		t.Errorf("domain (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(a, got.Aliases[0], compare); diff != "" {
		t.Errorf("alias (-want +got):\n%s", diff)
	}
}

func retireAndRevive(t *testing.T, open Open) {
	ctx := context.Background()
	b, st := seeded(t, open)
	shop := st.Mailboxes[2]
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Delete, Mailbox: shop}}); err != nil {
		t.Fatal(err)
	}
	got, _ := b.Read(ctx)
	for _, m := range got.Mailboxes {
		if m.Address == shop.Address {
			t.Fatal("a retired mailbox is still read")
		}
	}
	again := *shop
	again.Password = mail.PlainPassword("new-secret")
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Create, Mailbox: &again}}); err != nil {
		t.Fatal(err)
	}
	got, _ = b.Read(ctx)
	var back *mail.Mailbox
	for _, m := range got.Mailboxes {
		if m.Address == shop.Address {
			back = m
		}
	}
	if back == nil || !back.Active || !mail.PlainPassword("new-secret").Matches(back.Password) {
		t.Errorf("the mailbox did not come back: %+v", back)
	}
}

func move(t *testing.T, open Open) {
	ctx := context.Background()
	b, st := seeded(t, open)
	moved := *st.Mailboxes[2]
	moved.Address, moved.MovedFrom = "store@acme.example", "shop@acme.example"
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Update, Mailbox: &moved}}); err != nil {
		t.Fatal(err)
	}
	got, err := b.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	var store *mail.Mailbox
	for _, m := range got.Mailboxes {
		addrs = append(addrs, m.Address)
		if m.Address == moved.Address {
			store = m
		}
	}
	if want := []string{"info@acme.example", "postmaster@acme.example", "store@acme.example"}; !cmp.Equal(addrs, want) {
		t.Fatalf("mailboxes after the move: %v, want %v", addrs, want)
	}
	moved.MovedFrom = ""
	if diff := cmp.Diff(&moved, store, compare); diff != "" {
		t.Errorf("moved mailbox (-want +got):\n%s", diff)
	}
	if !mail.PlainPassword("shop-secret").Matches(store.Password) {
		t.Error("the moved mailbox lost its password")
	}
}

func purgeList(t *testing.T, open Open) {
	ctx := context.Background()
	b, st := seeded(t, open)
	p := purger(t, b)
	// info goes, its mail kept; shop goes, to be purged at once; the
	// postmaster goes, to be purged in 30 days.
	info, shop, pm := *st.Mailboxes[0], *st.Mailboxes[2], *st.Mailboxes[1]
	shop.PurgeAfter, pm.PurgeAfter = "0d", "30d"
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Delete, Mailbox: &info}, {Action: mail.Delete, Mailbox: &shop}, {Action: mail.Delete, Mailbox: &pm}}); err != nil {
		t.Fatal(err)
	}
	due := func(now time.Time) []string {
		t.Helper()
		list, err := p.DuePurges(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range list {
			out = append(out, r.Address+" "+r.Maildir+" "+r.SharedWith)
		}
		return out
	}
	now := time.Now()
	if diff := cmp.Diff([]string{"shop@acme.example acme.example/shop/ "}, due(now.Add(time.Second))); diff != "" {
		t.Errorf("due now (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"postmaster@acme.example acme.example/postmaster/ ", "shop@acme.example acme.example/shop/ "}, due(now.Add(31*24*time.Hour))); diff != "" {
		t.Errorf("due in 31 days (-want +got):\n%s", diff)
	}
	// Created again before the purge, the postmaster leaves the list.
	pm.PurgeAfter = ""
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Create, Mailbox: &pm}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"shop@acme.example acme.example/shop/ "}, due(now.Add(31*24*time.Hour))); diff != "" {
		t.Errorf("after reviving the postmaster (-want +got):\n%s", diff)
	}
	// Forgetting a mailbox that came back does nothing.
	if err := p.Forget(ctx, pm.Address); err != nil {
		t.Fatal(err)
	}
	if err := p.Forget(ctx, shop.Address); err != nil {
		t.Fatal(err)
	}
	if got := due(now.Add(31 * 24 * time.Hour)); len(got) != 0 {
		t.Errorf("still due after Forget: %v", got)
	}
	got, _ := b.Read(ctx)
	var addrs []string
	for _, m := range got.Mailboxes {
		addrs = append(addrs, m.Address)
	}
	if want := []string{"postmaster@acme.example"}; !cmp.Equal(addrs, want) {
		t.Errorf("mailboxes: %v, want %v", addrs, want)
	}
	// shop can be created anew after its purge.
	shop.PurgeAfter = ""
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Create, Mailbox: &shop}}); err != nil {
		t.Fatal(err)
	}
}

func separateMaildirs(t *testing.T, open Open) {
	ctx := context.Background()
	b, st := seeded(t, open)
	p := purger(t, b)
	// shop moves to store, keeping acme.example/shop/; a new shop
	// must not share it, and a local part with / and % must not
	// reach into another mailbox's directory.
	store := *st.Mailboxes[2]
	store.Address, store.MovedFrom = "store@acme.example", "shop@acme.example"
	shop := *st.Mailboxes[2]
	shop.Password = mail.PlainPassword("other")
	odd := shop
	odd.Address = "store/Maildir%x@acme.example"
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Update, Mailbox: &store}, {Action: mail.Create, Mailbox: &shop}, {Action: mail.Create, Mailbox: &odd}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*mail.Mailbox{&store, &shop, &odd} {
		m.PurgeAfter = "0d"
	}
	if err := b.Apply(ctx, []mail.Op{{Action: mail.Delete, Mailbox: &store}, {Action: mail.Delete, Mailbox: &shop}, {Action: mail.Delete, Mailbox: &odd}}); err != nil {
		t.Fatal(err)
	}
	list, err := p.DuePurges(ctx, time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range list {
		got = append(got, r.Address+" "+r.Maildir+" "+r.SharedWith)
	}
	want := []string{
		"shop@acme.example acme.example/shop@2/ ",
		"store/Maildir%x@acme.example acme.example/store%2FMaildir%25x/ ",
		"store@acme.example acme.example/shop/ ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("purge list (-want +got):\n%s", diff)
	}
}

func deleteAll(t *testing.T, open Open) {
	ctx := context.Background()
	b, st := seeded(t, open)
	ops := opsFor(st, mail.Delete)
	if err := b.Apply(ctx, ops); err != nil {
		t.Fatal(err)
	}
	got, _ := b.Read(ctx)
	if n := len(got.Tenants) + len(got.Domains) + len(got.AliasDomains) + len(got.Mailboxes) + len(got.Aliases) + len(got.RelayUsers) + len(got.DKIMKeys); n != 0 {
		t.Errorf("%d objects left after deleting everything: %+v", n, got)
	}
}

func failedApplyWritesNothing(t *testing.T, open Open) {
	b := open(t)
	applyFails(t, b, failing())
	if n := count(t, b); n != 0 {
		t.Errorf("a failed apply left %d objects", n)
	}
}

func failedApplySaysWhatItWrote(t *testing.T, open Open) {
	b := open(t)
	ops := failing()
	var partial *mail.PartialError
	if err := applyFails(t, b, ops); !errors.As(err, &partial) {
		t.Fatalf("a backend that is not atomic failed without saying what it wrote (a *mail.PartialError): %v", err)
	}
	if partial.Done != len(ops)-1 {
		t.Errorf("PartialError.Done = %d, want %d: every operation before the broken one", partial.Done, len(ops)-1)
	}
	if n := count(t, b); n != partial.Done {
		t.Errorf("the backend holds %d objects, but says it wrote %d", n, partial.Done)
	}
}
