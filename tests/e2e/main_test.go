// Package e2e holds the end-to-end tests of kylin-points: the workflows on a
// real Temporal server (in-process) against the CRM sandbox, the worker and
// starter binaries as users run them, and the dev stack.
package e2e

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
