// Package reconcile is the engine: it works out from a valid config what
// each mail backend and zone must hold (desired state: branding turned
// into host names and DNS records), reads what they hold (Refresh, in
// bulk), compares the two (Diff, pure), and makes the changes of a plan
// (Apply: ordered, locked, waiting for ownership proofs and DKIM
// publications).
//
// Only Refresh and Apply talk to providers, and Apply's prover to DNS
// servers. It does not render plans (reconcile/render), check live DNS or
// TLS for mailform check (reconcile/check), or parse config
// (schema); and nothing below it imports it.
package reconcile
