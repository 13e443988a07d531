package host

import (
	"context"
	"time"

	"github.com/mailform/mailform/providers/mail"
)

// Purged is what became of one mailbox on the purge list.
type Purged struct {
	Address    string
	Maildir    string  // relative to the root
	Removed    Removed // what its mail directory held
	SharedWith string  // another mailbox's address: its directory is shared, so kept
	Err        error   // the directory could not be removed
	ForgetErr  error   // the mail is gone, but the backend still lists it
}

// Done reports whether the mailbox is off the list (or, in a dry run,
// would be).
func (p Purged) Done() bool { return p.SharedWith == "" && p.Err == nil && p.ForgetErr == nil }

// Purge removes, under root, the mail directory of every retired mailbox
// whose purge is due at now, and has the backend forget each one removed;
// with dryRun it only measures what it would remove. Each mailbox's
// outcome goes to report as it is known. A directory shared with another
// mailbox is kept, and so is its mailbox on the list.
//
// The caller holds the backend's apply lock (mail.Purger.Lock), so that no
// apply revives a mailbox while its mail goes.
func Purge(ctx context.Context, p mail.Purger, root string, now time.Time, dryRun bool, report func(Purged)) error {
	due, err := p.DuePurges(ctx, now)
	if err != nil {
		return err
	}
	for _, r := range due {
		out := Purged{Address: r.Address, Maildir: r.Maildir, SharedWith: r.SharedWith}
		switch {
		case r.SharedWith != "":
		case dryRun:
			out.Removed, out.Err = Stat(root, r.Maildir)
		default:
			if out.Removed, out.Err = Remove(root, r.Maildir); out.Err == nil {
				out.ForgetErr = p.Forget(ctx, r.Address)
			}
		}
		report(out)
	}
	return nil
}
