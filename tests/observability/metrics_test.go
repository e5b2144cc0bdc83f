package observability

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestMetricsAfterRedemptions runs one redemption to each final state, one
// of them with a freeze answer lost so that its retry is answered from the
// CRM's idempotency record, then reads /metrics, /healthz and /readyz.
func TestMetricsAfterRedemptions(t *testing.T) {
	testenv.SkipIfShort(t, "starts a Temporal server")
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	cfg := testenv.WorkerConfig(sb.URL, testenv.UniqueName("obs-metrics"))
	cfg.MetricsAddr = "127.0.0.1:0"
	w := startObservedWorker(t, tp, cfg, zaptest.NewLogger(t))
	base := "http://" + w.obs.Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	status, body := testenv.Get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, status, body)
	require.Eventually(t, func() bool {
		status, _ := testenv.Get(t, base+"/readyz")
		return status == http.StatusOK
	}, 10*time.Second, 50*time.Millisecond, "/readyz while the worker polls")

	idConfirm, idCancel, idPoor, idReplay := testenv.UniqueName("obs-confirm"), testenv.UniqueName("obs-cancel"), testenv.UniqueName("obs-poor"), testenv.UniqueName("obs-replay")
	redeem := func(id, member string, points float64) workflows.RedemptionStatus {
		t.Helper()
		_, err := testenv.StartRedemption(ctx, w.client, id, cfg.TaskQueue,
			workflows.RedemptionRequest{MemberID: member, Points: points, Description: "observability " + id})
		require.NoError(t, err)
		st, err := testenv.WaitSettledFreeze(ctx, w.client, id)
		require.NoError(t, err)
		return st
	}
	decide := func(id, update string, want workflows.State) {
		t.Helper()
		st, err := testenv.Decide(ctx, w.client, id, update)
		require.NoError(t, err)
		require.Equal(t, want, st.State, st.Error)
	}

	require.Equal(t, workflows.StateFrozen, redeem(idConfirm, "demo-member-1", 5).State)
	decide(idConfirm, workflows.UpdateConfirm, workflows.StateConsumed)
	require.Equal(t, workflows.StateFrozen, redeem(idCancel, "demo-member-2", 5).State)
	decide(idCancel, workflows.UpdateCancel, workflows.StateReleased)
	require.Equal(t, workflows.StateFailed, redeem(idPoor, "demo-member-poor", 100).State)

	// The freeze is applied but its answer lost once; the retry carries the
	// same token and is answered from the CRM's record.
	sb.SetFaults(sandbox.Faults{Freeze: sandbox.FaultRates{FailAfter: 1}})
	_, err := testenv.StartRedemption(ctx, w.client, idReplay, cfg.TaskQueue,
		workflows.RedemptionRequest{MemberID: "demo-member-3", Points: 5, Description: "observability replay"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return sb.Stats().Faults["fail_after"] > 0 },
		30*time.Second, 10*time.Millisecond, "the sandbox never lost a freeze answer")
	sb.SetFaults(sandbox.Faults{})
	st, err := testenv.WaitSettledFreeze(ctx, w.client, idReplay)
	require.NoError(t, err)
	require.Equal(t, workflows.StateFrozen, st.State, st.Error)
	decide(idReplay, workflows.UpdateCancel, workflows.StateReleased)

	// The SDK's metrics (and so the redemptions counter) arrive once per flush.
	require.Eventually(t, func() bool {
		_, body = testenv.Get(t, base+"/metrics")
		settled, _ := sum(t, body, workflows.MetricRedemptions, nil)
		completed, _ := sum(t, body, "temporal_workflow_completed_total", map[string]string{"workflow_type": workflows.RedemptionWorkflowName})
		return settled == 4 && completed == 4
	}, 10*time.Second, 100*time.Millisecond, "kylin_redemptions_total and temporal_workflow_completed_total never reached 4")

	lost := sb.Stats().Faults["fail_after"]
	for _, tt := range []struct {
		metric string
		labels map[string]string
		want   float64
	}{
		{"kylin_crm_calls_total", map[string]string{"op": "freeze", "outcome": "ok", "status": "200"}, 3},
		{"kylin_crm_calls_total", map[string]string{"op": "consume", "outcome": "ok", "status": "200"}, 1},
		{"kylin_crm_calls_total", map[string]string{"op": "release", "outcome": "ok", "status": "200"}, 2},
		{"kylin_crm_calls_total", map[string]string{"op": "freeze", "outcome": "rejected"}, 1},
		{"kylin_crm_calls_total", map[string]string{"op": "freeze", "outcome": "transient"}, float64(lost)},
		{"kylin_crm_call_duration_seconds_count", map[string]string{"op": "freeze"}, 4 + float64(lost)},
		{workflows.MetricRedemptions, map[string]string{"state": "CONSUMED", "task_queue": cfg.TaskQueue}, 1},
		{workflows.MetricRedemptions, map[string]string{"state": "RELEASED", "workflow_type": workflows.RedemptionWorkflowName}, 2},
		{workflows.MetricRedemptions, map[string]string{"state": "FAILED"}, 1},
		{"temporal_workflow_completed_total", map[string]string{"workflow_type": workflows.RedemptionWorkflowName}, 4},
	} {
		got, found := sum(t, body, tt.metric, tt.labels)
		require.True(t, found, "no %s%v in /metrics", tt.metric, tt.labels)
		require.Equal(t, tt.want, got, "%s%v", tt.metric, tt.labels)
	}
	replayed, _ := sum(t, body, "kylin_crm_replayed_total", map[string]string{"op": "freeze"})
	require.GreaterOrEqual(t, replayed, 1.0, "a repeated token answered from the CRM's record")
	_, rejectedWithStatus := sum(t, body, "kylin_crm_calls_total", map[string]string{"op": "freeze", "outcome": "rejected", "status": "none"})
	require.False(t, rejectedWithStatus, "a rejection carries the CRM's HTTP status")

	w.stop(t)()
	status, body = testenv.Get(t, base+"/readyz")
	require.Equal(t, http.StatusServiceUnavailable, status, "after the worker stopped")
	require.Contains(t, body, "not polling")
	status, _ = testenv.Get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, status, "the process still runs")
}

// TestWorkerBinaryBusyMetricsPort checks that a taken metrics port stops the
// worker binary at start with one line and exit status 1.
func TestWorkerBinaryBusyMetricsPort(t *testing.T) {
	testenv.SkipIfShort(t, "builds the worker binary")
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := testenv.RunCommand(ctx, t, testenv.Binary(t, "./worker"), testenv.Env(
		"KYLIN_CRM_BASE_URL=http://127.0.0.1:1", "TEMPORAL_ADDRESS=127.0.0.1:1", "KYLIN_LOG_LEVEL=error",
		"KYLIN_METRICS_ADDR="+busy.Addr().String()))
	require.Equal(t, 1, res.Code)
	require.Equal(t, "worker: metrics address "+busy.Addr().String()+" is already in use by another process\n", res.Stderr)
}
