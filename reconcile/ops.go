package reconcile

import (
	"github.com/mailform/mailform/providers/mail"
	"github.com/mailform/mailform/reconcile/plan"
)

// opOf is what a backend does for a change, drawn from its objects: the
// object after it, or the one before for a delete. A DNS change, or one
// read from a plan file, gives the zero Op.
func opOf(c *plan.Change) mail.Op {
	action, obj := mail.Update, c.After
	switch c.Action {
	case plan.Create, plan.Replace:
		action = mail.Create // a replaced DKIM key: the new key under its name
	case plan.Delete:
		action, obj = mail.Delete, c.Before
	}
	op := mail.Op{Action: action}
	switch x := obj.(type) {
	case *mail.Tenant:
		op.Tenant = x
	case *mail.Domain:
		op.Domain = x
	case *mail.AliasDomain:
		op.AliasDomain = x
	case *mail.Mailbox:
		if c.PurgeAfter != "" {
			m := *x // the live mailbox stays as it was read
			m.PurgeAfter = c.PurgeAfter
			x = &m
		}
		op.Mailbox = x
	case *mail.Alias:
		op.Alias = x
	case *mail.RelayUser:
		op.RelayUser = x
	case *mail.DKIMKey:
		op.DKIMKey = x
	default:
		return mail.Op{}
	}
	return op
}

// isBackendChange reports whether a change goes to a mail backend.
func isBackendChange(c *plan.Change) bool {
	return c.Kind != plan.KindZone && c.Kind != plan.KindRecords
}
