package metrics

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/pointsnexus"
)

// series counts the series of metric name in m's registry.
func series(t *testing.T, m *Metrics, name string) []map[string]string {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	var out []map[string]string
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			out = append(out, labels)
		}
	}
	return out
}

// The SDK labels a Nexus task's metrics with the service and operation the
// request names, before looking them up: a caller must not be able to add
// series by naming new ones.
func TestNexusLabelsAreBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		service, operation  string
		wantService, wantOp string
	}{
		{"a served operation", pointsnexus.ServiceName, pointsnexus.OpConfirm, pointsnexus.ServiceName, pointsnexus.OpConfirm},
		{"another served operation", pointsnexus.ServiceName, pointsnexus.OpRedeem, pointsnexus.ServiceName, pointsnexus.OpRedeem},
		{"an unknown operation of the service", pointsnexus.ServiceName, "refund-everything", pointsnexus.ServiceName, otherNexusName},
		{"an unknown service", "bank", pointsnexus.OpConfirm, otherNexusName, otherNexusName},
		{"a runaway name", "svc-\u202e-" + fmt.Sprint(1<<40), "op\x00", otherNexusName, otherNexusName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newTestMetrics(t)
			tags := map[string]string{labelNexusService: tc.service, labelNexusOperation: tc.operation, "task_queue": "kylin-points"}
			m.SDKHandler().WithTags(tags).Counter("temporal_nexus_task_execution_failed").Inc(1)
			require.Equal(t, tc.service, tags[labelNexusService], "the SDK's map is left as it was")
			require.NoError(t, m.Close())
			got := series(t, m, "temporal_nexus_task_execution_failed_total")
			require.Len(t, got, 1)
			require.Equal(t, tc.wantService, got[0][labelNexusService])
			require.Equal(t, tc.wantOp, got[0][labelNexusOperation])
			require.Equal(t, "kylin-points", got[0]["task_queue"], "other labels are kept")
		})
	}
}

func TestRunawayNexusNamesAddNoSeries(t *testing.T) {
	t.Parallel()
	m := newTestMetrics(t)
	const requests = 2000
	for i := range requests {
		h := m.SDKHandler().WithTags(map[string]string{"task_queue": "kylin-points"})
		h.WithTags(map[string]string{
			labelNexusService:   fmt.Sprintf("svc-%d", i%3),
			labelNexusOperation: fmt.Sprintf("op-%d", i),
		}).Counter("temporal_nexus_task_execution_failed").Inc(1)
		h.WithTags(map[string]string{
			labelNexusService:   pointsnexus.ServiceName,
			labelNexusOperation: fmt.Sprintf("op-%d", i),
		}).Counter("temporal_nexus_task_execution_failed").Inc(1)
	}
	require.NoError(t, m.Close())
	got := series(t, m, "temporal_nexus_task_execution_failed_total")
	require.Len(t, got, 2, "other/other and points/other, whatever the callers named: %v", got)
	total, found := sample(t, m.Registry(), "temporal_nexus_task_execution_failed_total", map[string]string{labelNexusService: otherNexusName})
	require.True(t, found)
	require.EqualValues(t, requests, total, "every request still counted")
}
