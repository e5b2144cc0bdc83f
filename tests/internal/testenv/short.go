package testenv

import "testing"

// SkipIfShort skips t under `go test -short`, saying what it would have
// cost. Every helper here that starts a Temporal server or the dev stack,
// or builds a binary, calls it first, so that a test using one is a
// real-server test, run by `go test ./...` and skipped by the fast
// `go test -short ./...`; a test that starts such things itself calls it.
func SkipIfShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: " + what)
	}
}
