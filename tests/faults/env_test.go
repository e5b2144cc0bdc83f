package faults

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// countingCRM serves a sandbox and counts the requests that reach it per
// X-Business-Token, so a test can show that invalid input made no CRM call.
type countingCRM struct {
	*testenv.Sandbox
	// URL is where the worker must call, in front of the sandbox.
	URL   string
	mu    sync.Mutex
	calls map[string]int
}

func startCountingCRM(t *testing.T, cfg sandbox.Config) *countingCRM {
	t.Helper()
	c := &countingCRM{Sandbox: testenv.StartSandbox(t, cfg), calls: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.Header.Get(crm.HeaderBusinessToken); tok != "" {
			c.mu.Lock()
			c.calls[tok]++
			c.mu.Unlock()
		}
		c.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// Calls is how many requests reached the CRM under token.
func (c *countingCRM) Calls(token string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[token]
}

// startWithWorker starts a Temporal server, a counting CRM in front of a
// sandbox, and a worker of the default assembly on taskQueue calling it.
func startWithWorker(t *testing.T, taskQueue string) (*testenv.Temporal, *countingCRM) {
	t.Helper()
	tp := testenv.StartTemporal(t)
	crmSrv := startCountingCRM(t, sandbox.Config{})
	testenv.RunWorker(t, tp, testenv.WorkerConfig(crmSrv.URL, taskQueue), workerapp.Options{})
	return tp, crmSrv
}
