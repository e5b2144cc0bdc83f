package cluster

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMeasure(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms ...int) []time.Time {
		var out []time.Time
		for _, m := range ms {
			out = append(out, t0.Add(time.Duration(m)*time.Millisecond))
		}
		return out
	}
	tests := []struct {
		name  string
		times []time.Time
		want  rate
	}{
		{"no call", nil, rate{}},
		{"one call", at(0), rate{calls: 1, maxPerSecond: 1, busiest10s: 0.1}},
		{"steady 2 a second", at(0, 500, 1000, 1500, 2000), rate{calls: 5, maxPerSecond: 2, busiest10s: 0.5, mean: 2}},
		{"a burst, unsorted", at(900, 0, 950, 990, 3000), rate{calls: 5, maxPerSecond: 4, busiest10s: 0.5, mean: 4.0 / 3}},
		{"a window is half-open", at(0, 1000), rate{calls: 2, maxPerSecond: 1, busiest10s: 0.2, mean: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := measure(tc.times)
			require.Equal(t, tc.want.calls, got.calls)
			require.Equal(t, tc.want.maxPerSecond, got.maxPerSecond)
			require.InDelta(t, tc.want.busiest10s, got.busiest10s, 1e-9)
			require.InDelta(t, tc.want.mean, got.mean, 1e-9)
		})
	}
}
