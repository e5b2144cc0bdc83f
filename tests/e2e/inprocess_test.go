package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/startercli"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// fakeCRM accepts every call and counts them by path and token.
type fakeCRM struct {
	mu    sync.Mutex
	calls map[string][]string // path → tokens
}

func (f *fakeCRM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	f.mu.Lock()
	f.calls[r.URL.Path] = append(f.calls[r.URL.Path], r.Header.Get(crm.HeaderBusinessToken))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"success":true,"code":"0","message":"ok"}`)
}

func (f *fakeCRM) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls[path])
}

// TestWorkerAndStarterInProcess runs the worker's assembly (workerapp.Run)
// and the starter's commands (startercli) in this process against a real
// Temporal server and a CRM that says yes.
func TestWorkerAndStarterInProcess(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	c := tp.Client
	redeemID, freezeID := testenv.UniqueName("redeem-it"), testenv.UniqueName("freeze-it")
	crmSrv := &fakeCRM{calls: map[string][]string{}}
	httpSrv := httptest.NewServer(crmSrv)
	t.Cleanup(httpSrv.Close)

	env := map[string]string{"KYLIN_CRM_BASE_URL": httpSrv.URL, "KYLIN_TASK_QUEUE": testenv.UniqueName("it"), "KYLIN_CRM_MAX_QPS": "100"}
	cfg, err := config.Load(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	cfg.Temporal.Namespace = tp.Namespace()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- workerapp.Run(ctx, c, cfg, zaptest.NewLogger(t)) }()

	app := &startercli.App{Client: c, Namespace: tp.Namespace(), TaskQueue: cfg.TaskQueue, UIURL: "http://127.0.0.1:8233"}
	starter := func(args ...string) (int, map[string]any, string) {
		var stdout, stderr bytes.Buffer
		a := *app
		a.Stdout, a.Stderr = &stdout, &stderr
		code := a.Run(ctx, append(args, "--json"))
		var m map[string]any
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &m), stdout.String())
		return code, m, stderr.String()
	}

	code, m, stderr := starter("redeem", "--member", "m-1", "--points", "5", "--description", "积分商城兑换", "--id", redeemID)
	require.Equal(t, startercli.ExitOK, code, stderr)
	require.Equal(t, "FROZEN", m["state"])
	require.Contains(t, m["uiUrl"], "http://127.0.0.1:8233/namespaces/"+tp.Namespace()+"/workflows/"+redeemID+"/")

	code, m, _ = starter("status", "--id", redeemID)
	require.Equal(t, startercli.ExitOK, code)
	require.Equal(t, "FROZEN", m["state"])

	code, m, stderr = starter("confirm", "--id", redeemID)
	require.Equal(t, startercli.ExitOK, code, stderr)
	require.Equal(t, "CONSUMED", m["state"])

	// A repeat of the winner is answered, the loser refused, the ID never reused.
	code, m, stderr = starter("confirm", "--id", redeemID)
	require.Equal(t, startercli.ExitOK, code, stderr)
	require.Equal(t, "CONSUMED", m["state"])
	code, _, stderr = starter("cancel", "--id", redeemID)
	require.Equal(t, startercli.ExitFailed, code)
	require.Contains(t, stderr, "redemption is CONSUMED")
	code, _, stderr = starter("redeem", "--member", "m-1", "--points", "5", "--description", "again", "--id", redeemID)
	require.Equal(t, startercli.ExitFailed, code)
	require.Contains(t, stderr, "workflow "+redeemID+" already exists")

	code, m, stderr = starter("freeze", "--member", "m-2", "--points", "1.5", "--description", "d", "--id", freezeID)
	require.Equal(t, startercli.ExitOK, code, stderr)
	require.Equal(t, "FROZEN", m["state"])
	code, m, _ = starter("status", "--id", freezeID)
	require.Equal(t, startercli.ExitOK, code)
	require.Equal(t, "FROZEN", m["state"])

	code, _, stderr = starter("status", "--id", "nope")
	require.Equal(t, startercli.ExitFailed, code)
	require.Contains(t, stderr, "workflow nope not found")

	require.Equal(t, 2, crmSrv.count(crm.DefaultFreezePath), "one freeze per workflow")
	require.Equal(t, 1, crmSrv.count(crm.DefaultConsumePath))
	require.Zero(t, crmSrv.count(crm.DefaultReleasePath))

	// The command-line entry point, dialling the server itself: quiet on stderr.
	var stdout, errOut bytes.Buffer
	code = startercli.Run(ctx, []string{"status", "--id", redeemID, "--address", tp.HostPort(),
		"--namespace", tp.Namespace()}, &stdout, &errOut, func(k string) string { return env[k] })
	require.Equal(t, startercli.ExitOK, code, errOut.String())
	require.Empty(t, errOut.String())
	require.True(t, strings.HasPrefix(stdout.String(), redeemID+": CONSUMED — 5 points of member m-1 consumed"), stdout.String())

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop")
	}
}
