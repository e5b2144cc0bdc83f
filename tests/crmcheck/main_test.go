package crmcheck

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
