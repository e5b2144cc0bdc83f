package e2e

import (
	"context"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/metrics"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestReconcileSchedule: a worker with KYLIN_RECONCILE_EVERY makes the
// Schedule at start, `starter schedule create` then leaves it or updates it
// (unchanged, updated); a run of it counts, from
// visibility only, the points held per state and age, and the worker
// exports them as gauges; a count with the clock two hours on sees the
// FROZEN redemption past its hold. Nothing is settled by it: the ledger
// and every run stay as they were.
func TestReconcileSchedule(t *testing.T) {
	t.Parallel()
	tp := testenv.StartTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	taskQueue := testenv.UniqueName("reconcile")
	m := metrics.New()
	t.Cleanup(func() { _ = m.Close() })
	cfg := testenv.WorkerConfig(sb.URL, taskQueue)
	cfg.ReconcileEvery = time.Minute // the worker makes the Schedule at start
	testenv.RunWorker(t, tp, cfg, workerapp.Options{OnHeld: m.PublishHeld})
	starter := newCLI(t, tp.HostPort(), tp.Namespace(), taskQueue)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, testenv.WaitPoller(ctx, tp.Client, taskQueue))

	member := testenv.Grant(ctx, t, sb.Server, 100)
	frozen, parked, consumed := testenv.UniqueName("rec-frozen"), testenv.UniqueName("rec-attention"), testenv.UniqueName("rec-consumed")
	for _, id := range []string{frozen, parked, consumed} {
		starter.runJSON(ctx, t, 0, "redeem", "--member", member, "--points", "3", "--description", "reconcile test", "--id", id, "--hold", "1h")
	}
	starter.runJSON(ctx, t, 0, "confirm", "--id", consumed)
	require.NoError(t, sb.Script(sandbox.ScriptedFault{Op: crm.OpRelease, Kind: sandbox.ScriptRefuse, Status: 422}))
	starter.runJSON(ctx, t, 1, "cancel", "--id", parked)
	// A standalone freeze whose release the CRM refuses: its settlement waits too.
	standalone := testenv.UniqueName("rec-freeze")
	starter.runJSON(ctx, t, 0, "freeze", "--member", member, "--points", "2", "--description", "reconcile test", "--id", standalone)
	require.NoError(t, sb.Script(sandbox.ScriptedFault{Op: crm.OpRelease, Kind: sandbox.ScriptRefuse, Status: 422}))
	starter.runJSON(ctx, t, 1, "release", "--id", standalone)
	before, err := sb.Balance(ctx, member)
	require.NoError(t, err)

	// Idempotent: the worker created it; the same again is unchanged.
	for _, step := range []struct{ every, want string }{{"1m", "unchanged"}, {"2m", "updated"}, {"1m", "updated"}, {"1m", "unchanged"}} {
		r, stderr := starter.runJSON(ctx, t, 0, "schedule", "create", "--every", step.every)
		require.Equal(t, step.want, r.State, stderr)
		require.Equal(t, workflows.ReconcileScheduleID, r.WorkflowID)
	}
	res := testenv.RunCommand(ctx, t, starter.bin, starter.env, "schedule", "create", "--every", "10s")
	require.Equal(t, 2, res.Code, "under a minute is bad usage: %s", res.Stderr)

	// Visibility has caught up with the upserts: FROZEN, ATTENTION.
	require.Eventually(t, func() bool {
		n, err := tp.Client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: tp.Namespace(),
			Query: "KylinState IN ('FROZEN', 'ATTENTION') AND ExecutionStatus = 'Running'"})
		return err == nil && n.GetCount() == 3
	}, 30*time.Second, 200*time.Millisecond)

	// Run the Schedule now rather than in a minute, and wait for its count.
	h := tp.Client.ScheduleClient().GetHandle(ctx, workflows.ReconcileScheduleID)
	require.NoError(t, h.Trigger(ctx, client.ScheduleTriggerOptions{}))
	require.Eventually(t, func() bool { return gauge(t, m, metrics.MetricReconcileLastSuccess, nil) > 0 }, time.Minute, 200*time.Millisecond)
	require.Equal(t, 3.0, gauge(t, m, metrics.MetricHeldPoints, map[string]string{"state": "FROZEN", "age": workflows.AgeUnder1h}))
	require.Equal(t, 1.0, gauge(t, m, metrics.MetricHeldRuns, map[string]string{"state": "FROZEN", "age": workflows.AgeUnder1h}))
	require.Equal(t, 5.0, gauge(t, m, metrics.MetricHeldPoints, map[string]string{"state": "ATTENTION", "age": workflows.AgeUnder1h}), "the redemption's and the settlement's")
	require.Equal(t, 2.0, gauge(t, m, metrics.MetricHeldRuns, map[string]string{"state": "ATTENTION", "age": workflows.AgeUnder1h}))
	require.Equal(t, 0.0, gauge(t, m, metrics.MetricHeldRuns, map[string]string{"state": "FROZEN", "age": workflows.AgePastHold}))
	require.Equal(t, 0.0, gauge(t, m, metrics.MetricHeldRuns, map[string]string{"state": "RELEASING", "age": workflows.AgeOver24h}), "zeros are exported too")

	// Two hours on: the FROZEN one is past its hold, ATTENTION is older.
	counter := &workflows.HeldCounter{Client: tp.Client, Namespace: tp.Namespace(), Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}
	later, err := counter.CountHeld(ctx, workflows.ReconcileRequest{})
	require.NoError(t, err)
	want := map[[2]string]int{{"FROZEN", workflows.AgePastHold}: 1, {"ATTENTION", workflows.Age1hTo24h}: 2}
	for _, c := range later.Counts {
		require.Equal(t, want[[2]string{string(c.State), c.Age}], c.Runs, "%s %s", c.State, c.Age)
	}

	// It settled nothing: the ledger and the runs are as they were.
	after, err := sb.Balance(ctx, member)
	require.NoError(t, err)
	require.Equal(t, before, after)
	for id, state := range map[string]workflows.State{frozen: workflows.StateFrozen, parked: workflows.StateAttention,
		workflows.SettlementID(standalone): workflows.StateAttention} {
		st, err := workflows.Status(ctx, tp.Client, id, "")
		require.NoError(t, err)
		require.Equal(t, state, st.State)
	}
}

// gauge is the value of the gauge name with labels in m's registry, 0 when
// absent.
func gauge(t *testing.T, m *metrics.Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			if hasLabels(mt, labels) {
				return mt.GetGauge().GetValue()
			}
		}
	}
	return 0
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
