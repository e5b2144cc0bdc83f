package workflows_test

import (
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/workflows"
)

// The replayer checks that a workflow schedules the same commands as its
// history, not that it schedules them with the same inputs: a replay that
// numbered a freeze differently would send its consume under another token
// and still pass. replayChecked also records the input of every activity the
// workflow code schedules while it replays, and holds it to the input the
// history recorded, event by event.

// scheduledActivity is one activity the workflow scheduled: its type and its
// input as JSON.
type scheduledActivity struct {
	Type  string
	Input string
}

// inputRecorder is a worker interceptor recording every activity the
// workflow code schedules, in order.
type inputRecorder struct {
	interceptor.WorkerInterceptorBase
	mu        sync.Mutex
	scheduled []scheduledActivity
}

func (r *inputRecorder) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &recordingInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, r: r}
}

type recordingInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	r *inputRecorder
}

func (i *recordingInbound) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&recordingOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}, r: i.r})
}

type recordingOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	r *inputRecorder
}

func (o *recordingOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	input := "<unencodable>"
	if payloads, err := converter.GetDefaultDataConverter().ToPayloads(args...); err == nil && len(payloads.GetPayloads()) == 1 {
		input = string(payloads.GetPayloads()[0].GetData())
	}
	o.r.mu.Lock()
	o.r.scheduled = append(o.r.scheduled, scheduledActivity{Type: activityType, Input: input})
	o.r.mu.Unlock()
	return o.Next.ExecuteActivity(ctx, activityType, args...)
}

// replayChecked replays the history in file against the workflows and
// requires that every activity scheduled while replaying carries the input
// the history recorded for it.
func replayChecked(t *testing.T, file string) {
	t.Helper()
	rec := &inputRecorder{}
	replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		Interceptors: []interceptor.WorkerInterceptor{rec},
	})
	require.NoError(t, err)
	workflows.RegisterWorkflows(replayer)
	hist := readHistory(t, file)
	// The tokens derive from the workflow ID: replay under the recorded one
	// (the replayer's default is an ID of its own).
	started := hist.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes()
	require.NotEmpty(t, started.GetWorkflowId(), "%s records its workflow ID", file)
	require.NoError(t, replayer.ReplayWorkflowHistoryWithOptions(quietLogger(), hist, worker.ReplayWorkflowHistoryOptions{
		OriginalExecution: workflow.Execution{ID: started.GetWorkflowId(), RunID: started.GetOriginalExecutionRunId()},
	}))
	want := recordedActivities(t, hist)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Len(t, rec.scheduled, len(want), "activities scheduled while replaying %s", file)
	for i, w := range want {
		require.Equal(t, w.Type, rec.scheduled[i].Type, "activity %d of %s", i+1, file)
		require.JSONEq(t, w.Input, rec.scheduled[i].Input, "input of activity %d (%s) of %s", i+1, w.Type, file)
	}
}

// recordedActivities are the activities a history scheduled, with their inputs.
func recordedActivities(t *testing.T, hist *historypb.History) []scheduledActivity {
	t.Helper()
	var out []scheduledActivity
	for _, e := range hist.GetEvents() {
		if e.GetEventType() != enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED {
			continue
		}
		a := e.GetActivityTaskScheduledEventAttributes()
		payloads := a.GetInput().GetPayloads()
		require.Len(t, payloads, 1, "event %d", e.GetEventId())
		require.True(t, json.Valid(payloads[0].GetData()), "event %d", e.GetEventId())
		out = append(out, scheduledActivity{Type: a.GetActivityType().GetName(), Input: string(payloads[0].GetData())})
	}
	return out
}

func readHistory(t *testing.T, file string) *historypb.History {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	hist, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	return hist
}
