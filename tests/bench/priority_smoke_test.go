package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestCashierPrioritySmoke runs BenchmarkCashierPriority's measurement
// small (no figure is judged: speed is the benchmark's), and checks in the
// histories that the redeem runs at the cashier's priority, its freeze too,
// and the backlog's releases at the settlement's, with the shop as fairness
// key.
func TestCashierPrioritySmoke(t *testing.T) {
	cfg := priorityConfig{backlog: 20, redeems: 2, warmup: 1, qps: 50, modes: priorityModeList}
	cfg.check = func(tp *testenv.Temporal) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, m := range cfg.modes {
			prefix := fmt.Sprintf("prio-0-%s", m.name)
			redeem := events(ctx, t, tp, prefix+"-redeem-0")
			started := redeem[0].GetWorkflowExecutionStartedEventAttributes()
			require.EqualValues(t, workflows.PriorityCashier, started.GetPriority().GetPriorityKey(), m.name)
			require.Equal(t, "shop-0", started.GetPriority().GetFairnessKey(), m.name)
			require.Equal(t, []int32{workflows.PriorityCashier}, scheduledPriorities(redeem), m.name+": the freeze")
			release := events(ctx, t, tp, workflows.SettlementID(prefix+"-settle-1"))
			require.Equal(t, []int32{workflows.PrioritySettlement}, scheduledPriorities(release), m.name+": the release")
			for _, e := range release {
				if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
					require.Equal(t, "shop-1", a.GetPriority().GetFairnessKey(), m.name)
				}
			}
		}
	}
	got := measurePriority(t, cfg, 0)
	for _, m := range cfg.modes {
		require.Len(t, got[m.name].idle, cfg.redeems, m.name)
		require.Len(t, got[m.name].backlog, cfg.redeems, m.name)
	}
}

// events is the history of the latest run of workflow id.
func events(ctx context.Context, t testing.TB, tp *testenv.Temporal, id string) []*historypb.HistoryEvent {
	t.Helper()
	var out []*historypb.HistoryEvent
	it := tp.Client.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		out = append(out, e)
	}
	require.NotEmpty(t, out, id)
	return out
}

// scheduledPriorities are the priority keys of the activities scheduled in
// a history, in order.
func scheduledPriorities(h []*historypb.HistoryEvent) []int32 {
	var keys []int32
	for _, e := range h {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			keys = append(keys, a.GetPriority().GetPriorityKey())
		}
	}
	return keys
}
