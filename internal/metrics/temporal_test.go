package metrics

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.temporal.io/server/temporaltest"
)

const (
	testQueue    = "metrics-test"
	testWorkflow = "SettleForMetrics"
	// testCounter is this test's own counter, counted from workflow code
	// as the workflows count theirs (workflows.MetricRedemptions).
	testCounter = "kylin_test_settled_total"
)

// settle counts its final state mid-way, then waits on a timer, so that the
// next workflow task replays the count: it must not count twice.
func settle(ctx workflow.Context, state string) (string, error) {
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"state": state}).Counter(testCounter).Inc(1)
	if err := workflow.Sleep(ctx, time.Millisecond); err != nil {
		return "", err
	}
	return state, nil
}

// TestWorkerMetricsEndToEnd runs workflows on a real server with the SDK
// handler and reads /metrics. Not parallel: it turns off the worker's sticky
// cache (process-wide) so every workflow task replays from the start.
func TestWorkerMetricsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	worker.SetStickyWorkflowCacheSize(0)
	m := newTestMetrics(t)
	ts := temporaltest.NewServer(temporaltest.WithT(t),
		temporaltest.WithBaseClientOptions(client.Options{MetricsHandler: m.SDKHandler()}))
	ts.NewWorker(testQueue, func(r worker.Registry) {
		r.RegisterWorkflowWithOptions(settle, workflow.RegisterOptions{Name: testWorkflow})
	})
	c := ts.GetDefaultClient()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	for i, state := range []string{"CONSUMED", "RELEASED", "CONSUMED"} {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: "metrics-" + state + "-" + string(rune('a'+i)), TaskQueue: testQueue,
		}, testWorkflow, state)
		require.NoError(t, err)
		require.NoError(t, run.Get(ctx, nil))
	}

	h := m.Handler(TemporalReady(c, func() bool { return true }))
	workflowLabels := map[string]string{"workflow_type": testWorkflow, "task_queue": testQueue, "namespace": ts.GetDefaultNamespace()}
	require.Eventually(t, func() bool {
		done, _ := sample(t, m.Registry(), "temporal_workflow_completed_total", workflowLabels)
		return done == 3
	}, 10*time.Second, 100*time.Millisecond, "the SDK's workflow-completed counter never reached 3")
	time.Sleep(2 * SDKFlushInterval) // let any replayed recording reach the registry too

	for state, want := range map[string]float64{"CONSUMED": 2, "RELEASED": 1} {
		labels := map[string]string{"state": state}
		for k, v := range workflowLabels {
			labels[k] = v
		}
		got, found := sample(t, m.Registry(), testCounter, labels)
		require.True(t, found, "no %s series for %s", testCounter, state)
		require.Equal(t, want, got, "runs settled %s (a replay must not count again)", state)
	}

	status, body := get(t, h, "/metrics")
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{"temporal_request_total{", "temporal_workflow_task_execution_latency_seconds_bucket{", testCounter + "{", "kylin_sdk_metric_errors_total 0"} {
		require.Contains(t, body, want)
	}
	status, body = get(t, h, "/readyz")
	require.Equal(t, http.StatusOK, status, body)
}
