package main

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/server/common/dynamicconfig"
)

// Each matching mode of the cashier priority benchmark is set on its own
// task queues only.
func TestDynamicConfigSetsEachModeOnItsQueues(t *testing.T) {
	t.Parallel()
	dc := dynamicConfig(serveOptions{fifoQueues: []string{"q-off"}, fairQueues: []string{"q-fair"}, singleQueues: []string{"q-one", "q-two"}})
	tests := []struct {
		key    dynamicconfig.Key
		value  any
		queues []string
	}{
		{dynamicconfig.MatchingUseNewMatcher.Key(), false, []string{"q-off"}},
		{dynamicconfig.MatchingEnableFairness.Key(), true, []string{"q-fair"}},
		{dynamicconfig.MatchingNumTaskqueueReadPartitions.Key(), 1, []string{"q-one", "q-two"}},
		{dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(), 1, []string{"q-one", "q-two"}},
	}
	for _, tc := range tests {
		t.Run(tc.key.String(), func(t *testing.T) {
			t.Parallel()
			values, ok := dc[tc.key].([]dynamicconfig.ConstrainedValue)
			require.True(t, ok, "not set")
			var queues []string
			for _, v := range values {
				require.Equal(t, tc.value, v.Value)
				queues = append(queues, v.Constraints.TaskQueueName)
			}
			require.Equal(t, tc.queues, queues)
		})
	}
	_, set := dynamicConfig(serveOptions{})[dynamicconfig.MatchingUseNewMatcher.Key()]
	require.False(t, set, "no queue named: the server's default everywhere")
}
