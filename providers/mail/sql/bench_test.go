package sql

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/mailform/mailform/providers/mail"
)

// BenchmarkSQLiteApply measures a first import into the embedded SQLite
// backend: domains with 10 mailboxes and 2 aliases each, written in the
// order an apply writes them. At 10,000 and 50,000 domains it is the
// backend's share of mailform-bench's apply from empty, without the rest,
// so that its growth can be measured on its own.
func BenchmarkSQLiteApply(b *testing.B) {
	for _, domains := range []int{10000, 50000} {
		b.Run(fmt.Sprintf("domains=%d", domains), func(b *testing.B) {
			ops := importOps(domains)
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				be, err := OpenSQLite(ctx, filepath.Join(b.TempDir(), "mail.db"), DefaultOwner)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := be.Apply(ctx, ops); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				be.Close()
				b.StartTimer()
			}
		})
	}
}

// importOps is a first import of n domains in one tenant: their local
// parts come from a pool of names, as people's do, so that address order
// is not domain order.
func importOps(n int) []mail.Op {
	first := []string{"anna", "luca", "marco", "sara", "paolo", "giulia", "andrea", "chiara", "davide", "elena", "stefano", "martina"}
	last := []string{"rossi", "bianchi", "ferrari", "russo", "esposito", "romano", "costa", "greco", "fontana", "gallo"}
	ops := []mail.Op{{Action: mail.Create, Tenant: &mail.Tenant{Name: "t", Owner: DefaultOwner}}}
	var boxes, aliases []mail.Op
	for d := range n {
		domain := fmt.Sprintf("cliente-%05d.example", d)
		ops = append(ops, mail.Op{Action: mail.Create, Domain: &mail.Domain{Name: domain, Tenant: "t", Active: true}})
		for i := range 10 {
			k := d*10 + i
			local := first[(k*7)%len(first)] + "." + last[(k*3+d)%len(last)] + fmt.Sprint(i)
			boxes = append(boxes, mail.Op{Action: mail.Create, Mailbox: &mail.Mailbox{Address: local + "@" + domain,
				Name: local, Quota: 1 << 30, Password: mail.Password{Hash: "{SHA512-CRYPT}$6$saltsaltsaltsalt$" + fmt.Sprintf("%086d", k)},
				Services: []string{"imap", "smtp", "webmail"}, Active: true}})
		}
		for i := range 2 {
			aliases = append(aliases, mail.Op{Action: mail.Create, Alias: &mail.Alias{Address: fmt.Sprintf("info%d@%s", i, domain),
				Goto: []string{first[i] + "." + last[i] + "0@" + domain}}})
		}
	}
	sort.Slice(boxes, func(i, j int) bool { return boxes[i].Mailbox.Address < boxes[j].Mailbox.Address })
	sort.Slice(aliases, func(i, j int) bool { return aliases[i].Alias.Address < aliases[j].Alias.Address })
	return append(append(ops, boxes...), aliases...)
}
