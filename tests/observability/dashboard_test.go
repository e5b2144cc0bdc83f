package observability

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap/zaptest"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// metricName finds the metric names a rule or a dashboard query uses (a
// recording rule's kylin:… name is not one).
var metricName = regexp.MustCompile(`\b(?:kylin|temporal)_[a-z0-9_]+\b`)

// usedMetrics are the metric names deploy/prometheus and deploy/grafana use.
func usedMetrics(t *testing.T) []string {
	t.Helper()
	root := testenv.ModuleRoot(t)
	var names []string
	for _, f := range []string{"deploy/prometheus/kylin-points.rules.yml", "deploy/grafana/kylin-points.json"} {
		raw, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		for _, n := range metricName.FindAllString(string(raw), -1) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	return names
}

// TestDashboardAndRulesUseExportedMetrics runs a worker as the binary wires
// it, drives it through what each panel and rule watches (a confirm, a
// release refused our credentials once, a lost answer, the reconciliation),
// scrapes its /metrics, and requires every metric name the alert rules and
// the dashboard use to be there.
func TestDashboardAndRulesUseExportedMetrics(t *testing.T) {
	testenv.SkipIfShort(t, "starts a Temporal server")
	t.Parallel()
	used := usedMetrics(t)
	require.Subset(t, used, []string{"kylin_held_runs", "kylin_crm_unauthorized_total", "temporal_workflow_task_schedule_to_start_latency_seconds_bucket"})

	tp := testenv.StartTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	cfg := testenv.WorkerConfig(sb.URL, testenv.UniqueName("obs-dashboard"))
	cfg.MetricsAddr = "127.0.0.1:0"
	w := startObservedWorker(t, tp, cfg, zaptest.NewLogger(t))
	base := "http://" + w.obs.Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	redeem := func(id string) {
		t.Helper()
		_, err := testenv.StartRedemption(ctx, w.client, id, cfg.TaskQueue,
			workflows.RedemptionRequest{MemberID: "demo-member-1", Points: 1, Description: "dashboard " + id})
		require.NoError(t, err)
		st, err := testenv.WaitSettledFreeze(ctx, w.client, id)
		require.NoError(t, err)
		require.Equal(t, workflows.StateFrozen, st.State, st.Error)
	}
	confirmed, refused, lost := testenv.UniqueName("dash-confirm"), testenv.UniqueName("dash-401"), testenv.UniqueName("dash-lost")
	redeem(confirmed)
	_, err := testenv.Decide(ctx, w.client, confirmed, workflows.UpdateConfirm)
	require.NoError(t, err)
	redeem(refused)
	require.NoError(t, sb.Script(sandbox.ScriptedFault{Op: crm.OpRelease, Kind: sandbox.ScriptRefuse, Status: 401}))
	st, err := testenv.Decide(ctx, w.client, refused, workflows.UpdateCancel)
	require.NoError(t, err)
	require.Equal(t, workflows.StateReleased, st.State, "a 401 on a release is retried until it works")
	require.NoError(t, sb.Script(sandbox.ScriptedFault{Op: crm.OpFreeze, Kind: sandbox.ScriptFailAfter}))
	redeem(lost)

	did, err := workflows.EnsureReconcileSchedule(ctx, w.client, cfg.TaskQueue, time.Minute)
	require.NoError(t, err)
	require.Equal(t, workflows.ScheduleCreated, did)
	require.NoError(t, w.client.ScheduleClient().GetHandle(ctx, workflows.ReconcileScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}))

	var missing []string
	require.Eventually(t, func() bool {
		_, body := testenv.Get(t, base+"/metrics")
		exported := map[string]bool{}
		for _, line := range strings.Split(body, "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			name, _, _ := strings.Cut(line, "{")
			name, _, _ = strings.Cut(name, " ")
			exported[name] = true
		}
		missing = missing[:0]
		for _, n := range used {
			if !exported[n] {
				missing = append(missing, n)
			}
		}
		return len(missing) == 0
	}, time.Minute, 500*time.Millisecond, "never exported")
	require.Empty(t, missing, "metrics the rules or the dashboard use that the worker does not export")
	t.Logf("%d metric names used, all exported: %s", len(used), strings.Join(used, ", "))
}
