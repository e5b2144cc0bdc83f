// Package observability proves issue 7 end to end: the worker's metrics and
// health endpoints after real redemptions, payload encryption in the
// server's history with the codec server reading it back, and secrets kept
// out of help, errors and logs.
package observability

import (
	"os"
	"testing"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopSharedTemporal()
	os.Exit(code)
}
