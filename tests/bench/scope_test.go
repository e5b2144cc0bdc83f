package bench

import (
	"slices"
	"testing"
)

// scope lends the testenv helpers a shorter life than the benchmark's:
// cleanups registered through it run at close, not when b ends. Everything
// else goes to b.
type scope struct {
	testing.TB
	cleanups []func()
}

func newScope(b testing.TB) *scope { return &scope{TB: b} }

// Cleanup registers f to run at close.
func (s *scope) Cleanup(f func()) { s.cleanups = append(s.cleanups, f) }

// close runs the registered cleanups, last registered first.
func (s *scope) close() {
	for _, f := range slices.Backward(s.cleanups) {
		f()
	}
	s.cleanups = nil
}
