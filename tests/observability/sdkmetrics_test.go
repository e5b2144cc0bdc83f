package observability

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/internal/metrics"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// sdkTestCounter is TestSDKMetricsCountOnceAcrossReplays's own counter,
// counted from workflow code as the workflows count theirs
// (workflows.MetricRedemptions).
const sdkTestCounter = "kylin_test_settled_total"

// settleForMetrics counts its final state mid-way, then waits on a timer,
// so that the next workflow task replays the count (TestMain turns the
// sticky cache off): it must not count twice.
func settleForMetrics(ctx workflow.Context, state string) (string, error) {
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"state": state}).Counter(sdkTestCounter).Inc(1)
	if err := workflow.Sleep(ctx, time.Millisecond); err != nil {
		return "", err
	}
	return state, nil
}

// TestSDKMetricsCountOnceAcrossReplays runs workflows on a real server with
// the worker's SDK metrics handler (metrics.Metrics.SDKHandler) and reads
// its /metrics: what workflow code counts arrives once per run, replays
// included, with the SDK's labels, beside the SDK's own metrics.
func TestSDKMetricsCountOnceAcrossReplays(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	m := metrics.New()
	t.Cleanup(func() { _ = m.Close() })
	c := tp.Server.NewClientWithOptions(client.Options{MetricsHandler: m.SDKHandler()})
	queue := testenv.UniqueName("obs-sdk-metrics")
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(settleForMetrics, workflow.RegisterOptions{Name: "SettleForMetrics"})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	for _, state := range []string{"CONSUMED", "RELEASED", "CONSUMED"} {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: testenv.UniqueName("obs-sdk-" + state), TaskQueue: queue}, "SettleForMetrics", state)
		require.NoError(t, err)
		require.NoError(t, run.Get(ctx, nil))
	}

	h := m.Handler(metrics.TemporalReady(c, func() bool { return true }))
	scrape := func() string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		require.Equal(t, http.StatusOK, rec.Code)
		return rec.Body.String()
	}
	labels := map[string]string{"workflow_type": "SettleForMetrics", "task_queue": queue, "namespace": tp.Namespace()}
	require.Eventually(t, func() bool {
		done, _ := sum(t, scrape(), "temporal_workflow_completed_total", labels)
		return done == 3
	}, 10*time.Second, 100*time.Millisecond, "the SDK's workflow-completed counter never reached 3")
	time.Sleep(2 * metrics.SDKFlushInterval) // let a replayed count, if any, reach the registry too

	body := scrape()
	for state, want := range map[string]float64{"CONSUMED": 2, "RELEASED": 1} {
		withState := map[string]string{"state": state}
		for k, v := range labels {
			withState[k] = v
		}
		got, found := sum(t, body, sdkTestCounter, withState)
		require.True(t, found, "no %s series for %s", sdkTestCounter, state)
		require.Equal(t, want, got, "runs settled %s (a replay must not count again)", state)
	}
	for _, want := range []string{"temporal_request_total{", "temporal_workflow_task_execution_latency_seconds_bucket{", "kylin_sdk_metric_errors_total 0"} {
		require.Contains(t, body, want)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}
