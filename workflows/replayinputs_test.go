package workflows_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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
	require.NoError(t, replayWithInputs(readHistory(t, file)), file)
}

// replayWithInputs replays hist, under its own workflow ID (the tokens
// derive from it; the replayer's default is an ID of its own), and says how
// the activities scheduled while replaying differ from those it recorded.
func replayWithInputs(hist *historypb.History) error {
	rec := &inputRecorder{}
	replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		Interceptors: []interceptor.WorkerInterceptor{rec},
	})
	if err != nil {
		return err
	}
	workflows.RegisterWorkflows(replayer)
	registerCallers(replayer)
	started := hist.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes()
	if started.GetWorkflowId() == "" {
		return errors.New("the history does not record its workflow ID")
	}
	if err := replayer.ReplayWorkflowHistoryWithOptions(quietLogger(), hist, worker.ReplayWorkflowHistoryOptions{
		OriginalExecution: workflow.Execution{ID: started.GetWorkflowId(), RunID: started.GetOriginalExecutionRunId()},
	}); err != nil {
		return err
	}
	want, err := recordedActivities(hist)
	if err != nil {
		return err
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.scheduled) != len(want) {
		return fmt.Errorf("replaying scheduled %d activities, the history %d", len(rec.scheduled), len(want))
	}
	for i, w := range want {
		got := rec.scheduled[i]
		if got.Type != w.Type || !sameJSON(got.Input, w.Input) {
			return fmt.Errorf("activity %d: replaying scheduled %s %s, the history recorded %s %s", i+1, got.Type, got.Input, w.Type, w.Input)
		}
	}
	return nil
}

// sameJSON reports whether a and b hold the same JSON value.
func sameJSON(a, b string) bool {
	var va, vb any
	return json.Unmarshal([]byte(a), &va) == nil && json.Unmarshal([]byte(b), &vb) == nil && reflect.DeepEqual(va, vb)
}

// recordedActivities are the activities a history scheduled, with their inputs.
func recordedActivities(hist *historypb.History) ([]scheduledActivity, error) {
	var out []scheduledActivity
	for _, e := range hist.GetEvents() {
		if e.GetEventType() != enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED {
			continue
		}
		a := e.GetActivityTaskScheduledEventAttributes()
		payloads := a.GetInput().GetPayloads()
		if len(payloads) != 1 || !json.Valid(payloads[0].GetData()) {
			return nil, fmt.Errorf("event %d: the input is not one JSON payload", e.GetEventId())
		}
		out = append(out, scheduledActivity{Type: a.GetActivityType().GetName(), Input: string(payloads[0].GetData())})
	}
	return out, nil
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

// The input check can fail: a history whose recorded token differs from the
// one the code derives (as a renumbered freeze step would) is caught,
// although the replayer alone accepts it.
func TestReplayCatchesAnotherActivityInput(t *testing.T) {
	t.Parallel()
	hist := readHistory(t, filepath.Join("testdata", "redemption_consumed.json"))
	require.NoError(t, replayWithInputs(hist))
	var consume *historypb.HistoryEvent
	for _, e := range hist.GetEvents() {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == "Consume" {
			consume = e
		}
	}
	require.NotNil(t, consume)
	payload := consume.GetActivityTaskScheduledEventAttributes().GetInput().GetPayloads()[0]
	var in map[string]any
	require.NoError(t, json.Unmarshal(payload.GetData(), &in))
	in["token"] = workflows.BusinessToken("redeem-redemption_consumed", workflows.SettleStep(workflows.FreezeStep(2), workflows.StepConsume))
	data, err := json.Marshal(in)
	require.NoError(t, err)
	payload.Data = data

	plain := worker.NewWorkflowReplayer()
	workflows.RegisterWorkflows(plain)
	require.NoError(t, plain.ReplayWorkflowHistory(quietLogger(), hist), "the replayer alone does not compare inputs")
	require.ErrorContains(t, replayWithInputs(hist), "activity 2: replaying scheduled Consume")
}
