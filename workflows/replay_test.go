package workflows_test

import (
	"bytes"
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
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kylinpoints/kylin-points/workflows"
)

// Recorded histories of every released workflow shape (TestRecordHistory
// writes them), with the summaries their activities carry. Replaying them
// against the current code fails when a change is not deterministic: such a
// change needs workflow versioning (workflow.GetVersion) or a pinned worker
// deployment, not a new recording.
var histories = []struct {
	file      string
	summaries []string
}{
	{"redemption_consumed.json", redemptionSummaries("consume")},
	{"redemption_released.json", redemptionSummaries("release")},
	{"redemption_hold_timeout.json", redemptionSummaries("release")},
	{"redemption_freeze_rejected.json", redemptionSummaries()},
	{"redemption_consume_rejected.json", redemptionSummaries("consume", "release")},
	{"redemption_freeze_unknown.json", redemptionSummaries("settle the unknown freeze of", "release")},
	{"redemption_workflow_cancelled.json", redemptionSummaries("release")},
	{"freeze_frozen.json", freezeSummaries()},
	{"freeze_rejected.json", freezeSummaries()},
	{"freeze_abandoned.json", freezeSummaries("settle the unknown freeze of", "release")},
	{"v2_redemption_consumed_partly.json", []string{"redeem 5 points for member m-1: mug from the points mall",
		"freeze 5 points of member m-1", "consume 2 points of member m-1", "release 3 points of member m-1"}},
	{"v2_redemption_consume_unknown.json", redemptionSummaries("consume", "release")},
	{"v2_redemption_freeze_refused_after_lost.json", redemptionSummaries("settle the unknown freeze of", "release")},
	{"v2_redemption_released.json", redemptionSummaries("release")},
	{"v2_freeze_frozen.json", freezeSummaries()},
	{"v2_settle_release.json", []string{"release freeze " + recordedFreeze().FreezeToken + ": 5 points of member m-1",
		"release 5 points of member m-1"}},
	{"v2_settle_consume_partly.json", []string{"consume 2 points of freeze " + recordedFreeze().FreezeToken + ": 5 points of member m-1",
		"consume 2 points of member m-1", "release 3 points of member m-1"}},
	{"v3_redemption_consumed.json", redemptionSummaries("consume")},
	{"v3_redemption_freeze_refused.json", redemptionSummaries("release")},
	{"v3_redemption_consume_unknown_nothing_to_release.json", redemptionSummaries("consume", "release")},
	// Other teams' workflows (callers_test.go): two freezes in one run, and
	// a freeze on each side of a continue-as-new. The last has no summary.
	{"v3_two_freezes.json", []string{"freeze 3 points of member m-1: second", "freeze 5 points of member m-1",
		"freeze 3 points of member m-1", "consume 5 points of member m-1", "release 3 points of member m-1"}},
	{"v3_freeze_across_runs_1.json", []string{"", "freeze 5 points of member m-1"}},
	{"v3_freeze_across_runs_2.json", []string{"", "freeze 5 points of member m-1"}},
	// A release refused waits in ATTENTION: a retry, or a retry then a resolve.
	{"v4_redemption_attention_retried.json", redemptionSummaries("release", "release")},
	{"v4_redemption_attention_resolved.json", redemptionSummaries("release", "release")},
	// The standalone freeze and the settlements wait in ATTENTION too.
	{"v4_freeze_attention_retried.json", freezeSummaries("release", "settle the unknown freeze of", "release")},
	{"v4_freeze_attention_resolved.json", freezeSummaries("release")},
	{"v4_settle_release_attention_retried.json", []string{"release freeze " + recordedFreeze().FreezeToken + ": 5 points of member m-1",
		"release 5 points of member m-1", "release 5 points of member m-1"}},
	{"v4_settle_consume_attention_resolved.json", []string{"consume all points of freeze " + recordedFreeze().FreezeToken + ": 5 points of member m-1",
		"consume 5 points of member m-1", "release 5 points of member m-1"}},
	{"v4_reconcile.json", []string{"", "count held points from visibility"}},
	// Started with their first search attributes: no FREEZING upsert.
	{"v5_redemption_consumed_start_shown.json", redemptionSummaries("consume")},
	{"v5_freeze_frozen_start_shown.json", freezeSummaries()},
}

// redemptionSummaries are the run's summary, the freeze's, and one per verb after it.
func redemptionSummaries(verbs ...string) []string {
	return append([]string{"redeem 5 points for member m-1: mug from the points mall"}, stepSummaries(verbs)...)
}

func freezeSummaries(verbs ...string) []string {
	return append([]string{"freeze 5 points of member m-1: mug from the points mall"}, stepSummaries(verbs)...)
}

func stepSummaries(verbs []string) []string {
	out := []string{"freeze 5 points of member m-1"}
	for _, v := range verbs {
		out = append(out, v+" 5 points of member m-1")
	}
	return out
}

// TestReplay replays every recording, and holds the input of every activity
// the code schedules to the input the history recorded (its tokens above all).
func TestReplay(t *testing.T) {
	t.Parallel()
	for _, h := range histories {
		t.Run(h.file, func(t *testing.T) {
			t.Parallel()
			replayChecked(t, filepath.Join("testdata", h.file))
		})
	}
}

// The replay test can fail: for every recording, workflows that do
// something else under the same names are caught.
func TestReplayCatchesNonDeterminism(t *testing.T) {
	t.Parallel()
	for _, h := range histories {
		t.Run(h.file, func(t *testing.T) {
			t.Parallel()
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(func(ctx workflow.Context, _ workflows.RedemptionRequest) (workflows.RedemptionStatus, error) {
				err := workflow.Sleep(ctx, time.Minute)
				return workflows.RedemptionStatus{}, err
			}, workflow.RegisterOptions{Name: workflows.RedemptionWorkflowName})
			replayer.RegisterWorkflowWithOptions(func(ctx workflow.Context, _ workflows.FreezeRequest) (workflows.FreezeResult, error) {
				err := workflow.Sleep(ctx, time.Minute)
				return workflows.FreezeResult{}, err
			}, workflow.RegisterOptions{Name: workflows.FreezePointsWorkflowName})
			for _, name := range []string{workflows.ReleasePointsWorkflowName, workflows.ConsumePointsWorkflowName} {
				replayer.RegisterWorkflowWithOptions(func(ctx workflow.Context, _ workflows.SettleRequest) (workflows.SettleResult, error) {
					err := workflow.Sleep(ctx, time.Minute)
					return workflows.SettleResult{}, err
				}, workflow.RegisterOptions{Name: name})
			}
			replayer.RegisterWorkflowWithOptions(func(ctx workflow.Context, _ workflows.FreezeRequest) ([]workflows.FreezeResult, error) {
				err := workflow.Sleep(ctx, time.Minute)
				return nil, err
			}, workflow.RegisterOptions{Name: twoFreezesName})
			replayer.RegisterWorkflowWithOptions(func(ctx workflow.Context, _ []string, _ []workflows.FreezeResult) ([]workflows.FreezeResult, error) {
				err := workflow.Sleep(ctx, time.Minute)
				return nil, err
			}, workflow.RegisterOptions{Name: freezeAcrossRunsName})
			replayer.RegisterWorkflowWithOptions(func(ctx workflow.Context, _ workflows.ReconcileRequest) (workflows.HeldCounts, error) {
				err := workflow.Sleep(ctx, time.Minute)
				return workflows.HeldCounts{}, err
			}, workflow.RegisterOptions{Name: workflows.ReconcileWorkflowName})
			err := replayer.ReplayWorkflowHistoryFromJSONFile(quietLogger(), filepath.Join("testdata", h.file))
			require.Error(t, err)
		})
	}
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
			if data := e.GetUserMetadata().GetSummary().GetData(); data != nil || e.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
				require.NoError(t, json.Unmarshal(data, &s), "event %d has no summary", e.GetEventId())
			}
			summaries = append(summaries, s)
		}
		require.Equal(t, h.summaries, summaries, h.file)
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
