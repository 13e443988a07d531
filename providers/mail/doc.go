// Package mail is the mail backend's side of mailform: the objects a
// backend stores (tenants, domains, alias domains, mailboxes, aliases, relay
// users, DKIM keys) in the form both the desired and the live state take,
// and the small interface a backend implements to be read in bulk and
// written in one transaction.
//
// Passwords travel as Password, which verifies a plaintext against a stored
// hash and never shows either.
//
// It knows nothing of configs, plans or DNS; an implementation talks to its
// own store and nothing else.
package mail
