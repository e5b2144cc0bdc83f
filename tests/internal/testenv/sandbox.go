package testenv

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
)

// Sandbox is the CRM sandbox served on a loopback port.
type Sandbox struct {
	*sandbox.Server
	HTTP *httptest.Server
	// URL is the base URL to give the CRM client.
	URL string
}

// StartSandbox serves a sandbox (in memory unless cfg.Path is set) that knows
// the demo caller, with the demo members seeded. Closed when t ends.
func StartSandbox(t testing.TB, cfg sandbox.Config) *Sandbox {
	t.Helper()
	return StartSandboxWith(t, cfg, nil)
}

// StartSandboxWith is StartSandbox with wrap, when not nil, around the
// sandbox's handler, e.g. to see the requests' headers.
func StartSandboxWith(t testing.TB, cfg sandbox.Config, wrap func(http.Handler) http.Handler) *Sandbox {
	t.Helper()
	if cfg.Callers == nil {
		cfg.Callers = map[string]sandbox.Caller{sandbox.DemoServiceName: {Secret: sandbox.DemoSecret}}
	}
	s, err := sandbox.New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.SeedDemo(context.Background()))
	var handler http.Handler = s
	if wrap != nil {
		handler = wrap(s)
	}
	h := httptest.NewServer(handler)
	t.Cleanup(func() {
		h.Close()
		require.NoError(t, s.Close())
	})
	return &Sandbox{Server: s, HTTP: h, URL: h.URL}
}
