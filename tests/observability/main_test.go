// Package observability proves end to end what an operator relies on: the
// worker's metrics and health endpoints after real redemptions, the dev
// stack's metrics and codec server, payload encryption in the server's
// history with the codec server reading it back, and secrets kept out of
// help, errors and logs.
package observability

import (
	"os"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

func TestMain(m *testing.M) {
	// Every workflow task replays its run from the start, so that what a
	// workflow counts is seen to count once across replays.
	worker.SetStickyWorkflowCacheSize(0)
	code := m.Run()
	testenv.StopSharedTemporal()
	os.Exit(code)
}
