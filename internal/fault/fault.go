//go:build !faultinject

// Package fault lets end-to-end tests stop mailform at a chosen point, as
// a crash or a kill would. Only a binary built with the faultinject tag
// has the points; in every other build Point does nothing, and that is
// the only way product code may use a package under internal/.
package fault

// Point is a place where a test may stop the process.
func Point(name string) {}
