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
	// answers is, per operation, what the proxy does with its requests
	// (setAnswer); an operation without one reaches the sandbox.
	answers map[string]proxyAnswer
}

// A proxyAnswer is what the proxy in front of the sandbox does with a request:
// answerPass lets it through, answerLose lets the sandbox apply it and then
// cuts the connection (the answer is lost), and an HTTP status refuses it
// before the sandbox, as a gateway does.
type proxyAnswer int

const (
	answerPass proxyAnswer = 0
	answerLose proxyAnswer = -1
)

// setAnswer makes the proxy answer every request of op with a, from now on.
func (c *countingCRM) setAnswer(op string, a proxyAnswer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.answers[op] = a
}

// opOf is the operation of a request to one of the sandbox's paths.
func opOf(r *http.Request) string {
	switch r.URL.Path {
	case crm.DefaultFreezePath:
		return crm.OpFreeze
	case crm.DefaultReleasePath:
		return crm.OpRelease
	case crm.DefaultConsumePath:
		return crm.OpConsume
	}
	return ""
}

func startCountingCRM(t *testing.T, cfg sandbox.Config) *countingCRM {
	t.Helper()
	c := &countingCRM{Sandbox: testenv.StartSandbox(t, cfg), calls: map[string]int{}, answers: map[string]proxyAnswer{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if tok := r.Header.Get(crm.HeaderBusinessToken); tok != "" {
			c.calls[tok]++
		}
		a := c.answers[opOf(r)]
		c.mu.Unlock()
		switch {
		case a == answerLose:
			c.Server.ServeHTTP(httptest.NewRecorder(), r)
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.Close()
			}
		case a > 0:
			http.Error(w, http.StatusText(int(a)), int(a))
		default:
			c.Server.ServeHTTP(w, r)
		}
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
