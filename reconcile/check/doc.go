// Package check is mailform check: it asks every authoritative server of
// each domain for the mail DNS the config implies and compares the
// answers, record by record, and connects to every host name a domain's
// clients use to see that its TLS certificate is valid.
//
// It only reads: it never writes to a backend or a zone, and never asks a
// server to recurse except to find the authoritative servers.
package check
