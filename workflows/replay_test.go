package workflows_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.temporal.io/server/temporaltest"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/workflows"
)

// Recorded histories of RedemptionWorkflow. Replaying them against the
// current code fails when a change is not deterministic: such a change
// needs workflow versioning (workflow.GetVersion), not a new recording.
var histories = []struct {
	file     string
	update   string
	want     workflows.State
	decision string
}{
	{"redemption_consumed.json", workflows.UpdateConfirm, workflows.StateConsumed, workflows.DecisionConfirm},
	{"redemption_released.json", workflows.UpdateCancel, workflows.StateReleased, workflows.DecisionCancel},
}

func TestReplay(t *testing.T) {
	t.Parallel()
	for _, h := range histories {
		t.Run(h.file, func(t *testing.T) {
			t.Parallel()
			replayer := worker.NewWorkflowReplayer()
			workflows.RegisterWorkflows(replayer)
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(quietLogger(), filepath.Join("testdata", h.file)))
		})
	}
}

// The replay test can fail: a workflow that does something else under the
// same name is caught.
func TestReplayCatchesNonDeterminism(t *testing.T) {
	t.Parallel()
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(func(ctx workflow.Context, _ workflows.RedemptionRequest) (workflows.RedemptionStatus, error) {
		err := workflow.Sleep(ctx, time.Minute)
		return workflows.RedemptionStatus{}, err
	}, workflow.RegisterOptions{Name: workflows.RedemptionWorkflowName})
	err := replayer.ReplayWorkflowHistoryFromJSONFile(quietLogger(), filepath.Join("testdata", histories[0].file))
	require.Error(t, err)
}

// The Web UI shows what each run does: the run's summary and one per activity.
func TestRecordedHistoriesCarrySummaries(t *testing.T) {
	t.Parallel()
	for _, h := range histories {
		f, err := os.Open(filepath.Join("testdata", h.file))
		require.NoError(t, err)
		hist, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
		require.NoError(t, f.Close())
		require.NoError(t, err)
		var summaries []string
		for _, e := range hist.GetEvents() {
			if e.GetEventType() != enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
				continue
			}
			var s string
			require.NoError(t, json.Unmarshal(e.GetUserMetadata().GetSummary().GetData(), &s), "event %d has no summary", e.GetEventId())
			summaries = append(summaries, s)
		}
		verb := "consume"
		if h.want == workflows.StateReleased {
			verb = "release"
		}
		require.Equal(t, []string{
			"redeem 5 points for member m-1: mug from the points mall",
			"freeze 5 points of member m-1",
			verb + " 5 points of member m-1",
		}, summaries, h.file)
	}
}

// TestRecordHistory writes the histories TestReplay replays. It runs only
// with KYLIN_RECORD_HISTORY=1, against a real in-process Temporal server:
//
//	KYLIN_RECORD_HISTORY=1 go test ./workflows -run TestRecordHistory
func TestRecordHistory(t *testing.T) {
	if os.Getenv("KYLIN_RECORD_HISTORY") != "1" {
		t.Skip("set KYLIN_RECORD_HISTORY=1 to record workflows/testdata histories")
	}
	// A fixed identity keeps the recording free of this machine's name.
	const identity = "kylin-record-history"
	ts := temporaltest.NewServer(temporaltest.WithT(t),
		temporaltest.WithBaseClientOptions(client.Options{Identity: identity}),
		temporaltest.WithBaseWorkerOptions(worker.Options{Identity: identity}))
	const queue = "record-history"
	ts.NewWorker(queue, func(r worker.Registry) {
		workflows.Register(r, &activities.Activities{CRM: newFakeCRM(nil)})
	})
	c := ts.GetDefaultClient()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	for _, h := range histories {
		id := "redeem-" + h.file[:len(h.file)-len(".json")]
		req := redemptionRequest()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:                    id,
			TaskQueue:             queue,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			StaticSummary:         workflows.RedemptionSummary(req),
		}, workflows.RedemptionWorkflowName, req)
		require.NoError(t, err)

		require.Eventually(t, func() bool {
			v, err := c.QueryWorkflow(ctx, id, "", workflows.QueryStatus)
			var st workflows.RedemptionStatus
			return err == nil && v.Get(&st) == nil && st.State == workflows.StateFrozen
		}, 30*time.Second, 100*time.Millisecond)

		handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   id,
			UpdateName:   h.update,
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		require.NoError(t, err)
		var answer, result workflows.RedemptionStatus
		require.NoError(t, handle.Get(ctx, &answer))
		require.NoError(t, run.Get(ctx, &result))
		require.Equal(t, h.want, result.State)
		require.Equal(t, h.decision, result.Decision)
		require.Equal(t, result, answer)

		hist := &historypb.History{}
		iter := c.GetWorkflowHistory(ctx, id, run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			e, err := iter.Next()
			require.NoError(t, err)
			hist.Events = append(hist.Events, e)
		}
		require.NoError(t, os.WriteFile(filepath.Join("testdata", h.file), historyJSON(t, hist), 0o644))
		t.Logf("recorded %d events of %s in testdata/%s", len(hist.Events), id, h.file)
	}
}

// historyJSON renders a history as protojson, re-indented so that a new
// recording differs from the old one only where the history does
// (protojson varies its whitespace on purpose).
func historyJSON(t *testing.T, hist *historypb.History) []byte {
	t.Helper()
	data, err := protojson.Marshal(hist)
	require.NoError(t, err)
	var compact, out bytes.Buffer
	require.NoError(t, json.Compact(&compact, data))
	require.NoError(t, json.Indent(&out, compact.Bytes(), "", "  "))
	return append(out.Bytes(), '\n')
}

func quietLogger() log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}
