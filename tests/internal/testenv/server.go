package testenv

import (
	"fmt"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
	"go.temporal.io/server/temporal"
	"go.temporal.io/server/temporaltest"
)

// serverStartAttempts bounds newTestServer's retries.
const serverStartAttempts = 3

// startFailure is what fatalLogger panics with while a server is being built.
type startFailure struct{ msg string }

// fatalLogger is temporaltest's silent logger, except that a Fatal while the
// server is being built panics in the building goroutine. temporaltest logs
// nowhere, and its logger's Fatal returns: when a service cannot bind the
// port temporaltest chose for it (another process took it between the choice
// and the bind), the server is built with a nil listener and crashes the
// whole test binary from a goroutine later. Panicking at the Fatal lets
// newTestServer try again with new ports instead. Once the server is built,
// Fatal is silent again, as temporaltest has it.
type fatalLogger struct {
	log.Logger
	building atomic.Bool
}

func (l *fatalLogger) Fatal(msg string, tags ...tag.Tag) {
	if !l.building.Load() {
		return
	}
	parts := []string{msg}
	for _, t := range tags {
		parts = append(parts, fmt.Sprintf("%s=%v", t.Key(), t.Value()))
	}
	panic(startFailure{msg: strings.Join(parts, " ")})
}

// newTestServer starts a temporaltest server, trying again (with new ports)
// when a service fails to start. Other failures panic as temporaltest's do.
func newTestServer(opts ...temporaltest.TestServerOption) *temporaltest.TestServer {
	var last string
	for range serverStartAttempts {
		srv, failed := tryTestServer(opts)
		if srv != nil {
			return srv
		}
		last = failed
	}
	panic(fmt.Sprintf("the Temporal test server failed to start %d times, last: %s", serverStartAttempts, last))
}

func tryTestServer(opts []temporaltest.TestServerOption) (srv *temporaltest.TestServer, failed string) {
	logger := &fatalLogger{Logger: log.NewNoopLogger()}
	logger.building.Store(true)
	defer logger.building.Store(false)
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		f, ok := r.(startFailure)
		if !ok {
			panic(r)
		}
		srv, failed = nil, f.msg
	}()
	all := append([]temporaltest.TestServerOption{}, opts...)
	all = append(all, temporaltest.WithBaseServerOptions(temporal.WithLogger(logger)))
	return temporaltest.NewServer(all...), ""
}
