package testenv

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

func TestFatalLoggerPanicsOnlyWhileBuilding(t *testing.T) {
	tests := []struct {
		name     string
		building bool
		panics   bool
	}{
		{"while the server is built", true, true},
		{"once it runs", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &fatalLogger{Logger: log.NewNoopLogger()}
			l.building.Store(tt.building)
			fatal := func() { l.Fatal("Failed to start gRPC listener", tag.Address("127.0.0.1:1")) }
			if !tt.panics {
				assert.NotPanics(t, fatal)
				return
			}
			assert.PanicsWithValue(t, startFailure{msg: "Failed to start gRPC listener address=127.0.0.1:1"}, fatal)
		})
	}
}

// A service that cannot bind its port (here every service but the frontend
// is told to bind an address this machine does not have, and the first
// listener it opens, ringpop's or gRPC's, fails) is retried a few
// times and then reported in the calling goroutine, instead of crashing the
// test binary from one of the server's goroutines.
func TestNewTestServerReportsAFailedBind(t *testing.T) {
	SkipIfShort(t, "builds Temporal servers")
	t.Setenv("LOCALHOST_IP", "192.0.2.1") // TEST-NET-1: never assigned to this host
	var got any
	func() {
		defer func() { got = recover() }()
		srv := newTestServer()
		srv.Stop()
	}()
	require.NotNil(t, got, "the server started on an address this host does not have")
	msg := fmt.Sprint(got)
	assert.Contains(t, msg, fmt.Sprintf("failed to start %d times", serverStartAttempts))
	assert.Contains(t, msg, "listen tcp 192.0.2.1:")
}

func TestNewTestServerStarts(t *testing.T) {
	SkipIfShort(t, "starts a Temporal server")
	srv := newTestServer()
	defer srv.Stop()
	assert.NotEmpty(t, srv.GetFrontendHostPort())
}
