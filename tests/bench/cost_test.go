package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
)

// event builds a history event of type t for TestCostOfCountsByThePage.
type event func(id int64) *historypb.HistoryEvent

func started() event {
	return func(id int64) *historypb.HistoryEvent {
		return &historypb.HistoryEvent{EventId: id, EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED}
	}
}

func taskCompleted() event {
	return func(id int64) *historypb.HistoryEvent {
		return &historypb.HistoryEvent{EventId: id, EventType: enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED}
	}
}

// marker is a marker of name recorded by the workflow task completed at
// event task.
func marker(name string, task int64) event {
	return func(id int64) *historypb.HistoryEvent {
		return &historypb.HistoryEvent{EventId: id, EventType: enumspb.EVENT_TYPE_MARKER_RECORDED,
			Attributes: &historypb.HistoryEvent_MarkerRecordedEventAttributes{MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{
				MarkerName: name, WorkflowTaskCompletedEventId: task}}}
	}
}

func upsert(fields ...string) event {
	return func(id int64) *historypb.HistoryEvent {
		indexed := map[string]*commonpb.Payload{}
		for _, f := range fields {
			indexed[f] = &commonpb.Payload{}
		}
		return &historypb.HistoryEvent{EventId: id, EventType: enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
			Attributes: &historypb.HistoryEvent_UpsertWorkflowSearchAttributesEventAttributes{UpsertWorkflowSearchAttributesEventAttributes: &historypb.UpsertWorkflowSearchAttributesEventAttributes{
				SearchAttributes: &commonpb.SearchAttributes{IndexedFields: indexed}}}}
	}
}

func activityStarted(attempt int32) event {
	return func(id int64) *historypb.HistoryEvent {
		return &historypb.HistoryEvent{EventId: id, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED,
			Attributes: &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{Attempt: attempt}}}
	}
}

func ofType(t enumspb.EventType) event {
	return func(id int64) *historypb.HistoryEvent { return &historypb.HistoryEvent{EventId: id, EventType: t} }
}

// TestCostOfCountsByThePage checks costOf against the rules of actionsPage
// on histories made by hand.
func TestCostOfCountsByThePage(t *testing.T) {
	tests := []struct {
		name        string
		events      []event
		actions     int
		markerTasks int
	}{
		{name: "a start alone", events: []event{started()}, actions: 1},
		{name: "two local activities in one workflow task are one action",
			events:  []event{started(), taskCompleted(), marker("LocalActivity", 2), marker("LocalActivity", 2)},
			actions: 2, markerTasks: 1},
		{name: "a Version marker in the same task as a local activity adds nothing",
			events:  []event{started(), taskCompleted(), marker("Version", 2), upsert("TemporalChangeVersion"), marker("LocalActivity", 2)},
			actions: 2, markerTasks: 1},
		{name: "markers in two workflow tasks are two actions",
			events:  []event{started(), taskCompleted(), marker("LocalActivity", 2), taskCompleted(), marker("Version", 4)},
			actions: 3, markerTasks: 2},
		{name: "an upsert of TemporalChangeVersion alone is exempt, one with another attribute is not",
			events:  []event{started(), upsert("TemporalChangeVersion"), upsert("TemporalChangeVersion", "KylinState")},
			actions: 2},
		{name: "every activity attempt is an action",
			events:  []event{started(), activityStarted(3), activityStarted(1)},
			actions: 5},
		{name: "Updates accepted, timers and signals are actions; completions are not",
			events: []event{started(), ofType(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED), ofType(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED),
				ofType(enumspb.EVENT_TYPE_TIMER_STARTED), ofType(enumspb.EVENT_TYPE_TIMER_FIRED), ofType(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
				ofType(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)},
			actions: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := make([]*historypb.HistoryEvent, len(tt.events))
			for i, e := range tt.events {
				h[i] = e(int64(i + 1))
			}
			c := costOf(h)
			assert.Equal(t, tt.actions, c.actions, c.String())
			assert.Equal(t, tt.markerTasks, c.markerTasks)
			assert.Equal(t, len(h), c.events)
		})
	}
}
