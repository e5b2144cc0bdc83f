package metrics

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestObserveCRMCall(t *testing.T) {
	t.Parallel()
	m := newTestMetrics(t)
	m.ObserveCRMCall("freeze", outcomeOK, 200, 20*time.Millisecond, false)
	m.ObserveCRMCall("freeze", outcomeOK, 200, 30*time.Millisecond, true)
	m.ObserveCRMCall("freeze", outcomeTransient, 0, time.Second, false)
	m.ObserveCRMCall("consume", outcomeRejected, 409, 10*time.Millisecond, false)
	m.ObserveCRMCall("release", outcomeInvalid, 0, 0, false)

	tests := []struct {
		name   string
		metric string
		labels map[string]string
		want   float64
	}{
		{"ok freezes", "kylin_crm_calls_total", map[string]string{"op": "freeze", "outcome": "ok", "status": "200"}, 2},
		{"no answer", "kylin_crm_calls_total", map[string]string{"op": "freeze", "outcome": "transient", "status": "none"}, 1},
		{"rejected consume", "kylin_crm_calls_total", map[string]string{"op": "consume", "outcome": "rejected", "status": "409"}, 1},
		{"invalid release", "kylin_crm_calls_total", map[string]string{"op": "release", "outcome": "invalid", "status": "none"}, 1},
		{"freeze latency samples", "kylin_crm_call_duration_seconds", map[string]string{"op": "freeze"}, 3},
		{"consume latency samples", "kylin_crm_call_duration_seconds", map[string]string{"op": "consume"}, 1},
		{"replayed freezes", "kylin_crm_replayed_total", map[string]string{"op": "freeze"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := sample(t, m.Registry(), tt.metric, tt.labels)
			require.True(t, found, "no series %s%v", tt.metric, tt.labels)
			require.Equal(t, tt.want, got)
		})
	}

	_, found := sample(t, m.Registry(), "kylin_crm_call_duration_seconds", map[string]string{"op": "release"})
	require.False(t, found, "an invalid call never reached the CRM: no latency")
	_, found = sample(t, m.Registry(), "kylin_crm_replayed_total", map[string]string{"op": "consume"})
	require.False(t, found)
}
