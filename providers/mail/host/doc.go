// Package host holds what mailform runs on the mail host, beside Postfix
// and Dovecot, reading the mail backend that apply writes: today the purge
// of deleted mailboxes' mail (a mail directory is removed under the root
// the mail servers keep mail in, /var/vmail in the shipped configuration,
// and nothing outside it); the policy, signing and notification services
// join it.
//
// It reads and writes only the backend and the mail directories: it never
// plans, reads a config, or touches DNS.
package host
