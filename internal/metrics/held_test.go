package metrics

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/workflows"
)

// The held gauges are exported while the last count is valid, then not at
// all (a worker that stopped counting must not show old figures); the time
// of the last count stays, for the alert on a reconciliation that stopped.
func TestHeldGaugesExpire(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		now      time.Time
		wantHeld bool
	}{
		{"fresh", at.Add(time.Minute), true},
		{"at the edge", at.Add(15 * time.Minute), true},
		{"stale", at.Add(16 * time.Minute), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := New()
			defer m.Close()
			m.held.now = func() time.Time { return tc.now }
			require.Zero(t, count(t, m, MetricReconcileLastSuccess, MetricHeldPoints, MetricHeldRuns), "nothing before a first count")
			m.PublishHeld(workflows.HeldCounts{At: at, ValidFor: 15 * time.Minute, Counts: []workflows.HeldCount{
				{State: workflows.StateAttention, Age: workflows.AgeOver24h, Runs: 2, Points: 7.5},
				{State: workflows.StateFrozen, Age: workflows.AgePastHold},
			}})
			require.Equal(t, float64(at.Unix()), gaugeOf(t, m, MetricReconcileLastSuccess, "", ""))
			n := count(t, m, MetricHeldPoints, MetricHeldRuns)
			if !tc.wantHeld {
				require.Zero(t, n)
				return
			}
			require.Equal(t, 4, n)
			require.Equal(t, 7.5, gaugeOf(t, m, MetricHeldPoints, "ATTENTION", "over_24h"))
			require.Equal(t, 2.0, gaugeOf(t, m, MetricHeldRuns, "ATTENTION", "over_24h"))
			require.Equal(t, 0.0, gaugeOf(t, m, MetricHeldRuns, "FROZEN", "past_hold"))
		})
	}
}

// count is the number of series of the names in m's registry.
func count(t *testing.T, m *Metrics, names ...string) int {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	n := 0
	for _, f := range families {
		if slices.Contains(names, f.GetName()) {
			n += len(f.GetMetric())
		}
	}
	return n
}

func gaugeOf(t *testing.T, m *Metrics, name, state, age string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range mt.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			if l["state"] == state && l["age"] == age {
				return mt.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no %s{state=%q,age=%q}", name, state, age)
	return 0
}
