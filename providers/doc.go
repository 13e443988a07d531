// Package providers holds what mail backends and DNS providers have in
// common: the registry through which each kind registers itself under its
// type name, and the opening of the providers a config names.
//
// The interfaces of each family are in providers/mail and providers/dns;
// the implementations in their subpackages. Nothing here plans or decides:
// that is reconcile's job.
package providers
