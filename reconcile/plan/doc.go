// Package plan is what an apply would do, as plain data: the changes (each
// with its object before and after), the notes a person must act on, the
// records that must answer before apply goes on, the zones' safety
// figures, target selection, the safety checks, and the saved plan file.
//
// reconcile makes a plan and applies it; reconcile/render shows it. This
// package imports no provider, network or config code: a plan can be
// saved, read back, rendered and compared without touching anything live.
package plan
