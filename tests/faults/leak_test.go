package faults

import (
	"bytes"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

// settleWait bounds how long goroutines a case started may take to end.
const settleWait = 5 * time.Second

// noGoroutineLeak fails t, at its end, when more goroutines run than at the
// call, after waiting up to settleWait for them to end. Call it first in a
// test that does not run in parallel with others.
func noGoroutineLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(settleWait)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if after := runtime.NumGoroutine(); after > before {
			var stacks bytes.Buffer
			_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
			t.Errorf("goroutine leak: %d before, %d after %s:\n%s", before, after, settleWait, stacks.String())
		}
	})
}
