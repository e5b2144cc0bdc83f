package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"go.temporal.io/sdk/client"
	"go.temporal.io/server/temporaltest"

	"github.com/kylinpoints/kylin-points/internal/search"
)

// Temporal is a real Temporal server running in this test process.
type Temporal struct {
	// Server is nil for a server outside the test process (External).
	Server *temporaltest.TestServer
	// Client is a client of the default namespace.
	Client client.Client
	// namespace is an External server's namespace.
	namespace string
}

// External is a Temporal server the test did not start in its process (the
// PostgreSQL cluster of tests/cluster), through c, a client of namespace.
func External(c client.Client, namespace string) *Temporal {
	return &Temporal{Client: c, namespace: namespace}
}

// StartTemporal starts an in-process Temporal server, stopped when t ends,
// with opts (e.g. dynamic config). Its frontend listens on a free loopback
// port (HostPort).
func StartTemporal(t testing.TB, opts ...temporaltest.TestServerOption) *Temporal {
	t.Helper()
	SkipIfShort(t, "starts a Temporal server")
	srv := newTestServer(opts...)
	t.Cleanup(srv.Stop)
	tp := &Temporal{Server: srv, Client: srv.GetDefaultClient()}
	require.NoError(t, tp.registerSearchAttributes())
	return tp
}

// registerSearchAttributes gives the server's default namespace the
// search attributes the workflows upsert, as the dev stack does its own.
func (tp *Temporal) registerSearchAttributes() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return search.Register(ctx, tp.Client.OperatorService(), tp.Namespace())
}

// HostPort is the frontend's address, for processes started by the test.
func (tp *Temporal) HostPort() string { return tp.Server.GetFrontendHostPort() }

// Namespace is the server's default namespace (an External one's own).
func (tp *Temporal) Namespace() string {
	if tp.Server == nil {
		return tp.namespace
	}
	return tp.Server.GetDefaultNamespace()
}
