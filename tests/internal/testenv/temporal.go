package testenv

import (
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/server/temporaltest"
)

// Temporal is a real Temporal server running in this test process.
type Temporal struct {
	Server *temporaltest.TestServer
	// Client is a client of the default namespace.
	Client client.Client
}

// StartTemporal starts an in-process Temporal server, stopped when t ends,
// with opts (e.g. dynamic config). Its frontend listens on a free loopback
// port (HostPort).
func StartTemporal(t testing.TB, opts ...temporaltest.TestServerOption) *Temporal {
	t.Helper()
	srv := temporaltest.NewServer(opts...)
	t.Cleanup(srv.Stop)
	return &Temporal{Server: srv, Client: srv.GetDefaultClient()}
}

// HostPort is the frontend's address, for processes started by the test.
func (tp *Temporal) HostPort() string { return tp.Server.GetFrontendHostPort() }

// Namespace is the server's default namespace.
func (tp *Temporal) Namespace() string { return tp.Server.GetDefaultNamespace() }
