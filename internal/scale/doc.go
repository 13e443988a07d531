// Package scale holds the benchmarks that measure mailform over the
// network, against real servers on loopback: the rfc2136 provider with a
// BIND holding a thousand zones, and the PostgreSQL backend at ten
// thousand domains. docs/performance.md has the figures and the command.
// It holds only benchmarks.
package scale
