package faults

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
)

// history reads the whole history of a run ("" for the latest).
func history(ctx context.Context, t *testing.T, c client.Client, id, runID string) []*historypb.HistoryEvent {
	t.Helper()
	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		events = append(events, e)
	}
	return events
}

// activityStarts returns, for every ActivityTaskStarted of activity name in
// events, the attempt it recorded.
func activityStarts(events []*historypb.HistoryEvent, name string) []int32 {
	types := map[int64]string{}
	var attempts []int32
	for _, e := range events {
		if s := e.GetActivityTaskScheduledEventAttributes(); s != nil {
			types[e.GetEventId()] = s.GetActivityType().GetName()
		}
		if s := e.GetActivityTaskStartedEventAttributes(); s != nil && types[s.GetScheduledEventId()] == name {
			attempts = append(attempts, s.GetAttempt())
		}
	}
	return attempts
}
