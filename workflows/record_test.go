package workflows_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

// recording is one workflow shape TestRecordHistory runs against a real
// server, and what its run must end with for the recording to be kept.
type recording struct {
	file     string
	workflow string
	input    any
	// script is the fake CRM's failures for this run (see fakeCRM).
	script map[string]func(int) error
	// drive acts on the run once it has started: an Update, a cancel, or
	// nothing (the run ends by itself).
	drive func(ctx context.Context, c client.Client, id string) error
	// want is the redemption's final state and decision, for RedemptionWorkflow.
	want     workflows.State
	decision string
	// wantErr is the workflow failure's type ("" for none), for FreezePointsWorkflow.
	wantErr string
}

// Short timings keep a recording to seconds; the code paths are the same.
const (
	recordHoldSeconds   = 1
	recordFreezeTimeout = 2
)

// recordings are the shapes of every released workflow (DESIGN.md, Workflows).
var recordings = []recording{
	{file: "redemption_consumed.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(),
		drive: decideWhenFrozen(workflows.UpdateConfirm), want: workflows.StateConsumed, decision: workflows.DecisionConfirm},
	{file: "redemption_released.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(),
		drive: decideWhenFrozen(workflows.UpdateCancel), want: workflows.StateReleased, decision: workflows.DecisionCancel},
	{file: "redemption_hold_timeout.json", workflow: workflows.RedemptionWorkflowName, input: redemptionWith(func(r *workflows.RedemptionRequest) {
		r.HoldSeconds = recordHoldSeconds
	}), want: workflows.StateReleased, decision: workflows.DecisionHoldTimeout},
	{file: "redemption_freeze_rejected.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(),
		script: map[string]func(int) error{crm.OpFreeze: failFirst(99, rejected(crm.OpFreeze, 200, "POINT_NOT_ENOUGH"))},
		want:   workflows.StateFailed},
	{file: "redemption_consume_rejected.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(),
		script: map[string]func(int) error{crm.OpConsume: failFirst(99, rejected(crm.OpConsume, 200, "FREEZE_EXPIRED"))},
		drive:  decideWhenFrozen(workflows.UpdateConfirm), want: workflows.StateReleased, decision: workflows.DecisionConsumeRejected},
	{file: "redemption_freeze_unknown.json", workflow: workflows.RedemptionWorkflowName, input: redemptionWith(func(r *workflows.RedemptionRequest) {
		r.FreezeTimeoutSeconds = recordFreezeTimeout
	}), script: map[string]func(int) error{crm.OpFreeze: failFirst(2, errLost)}, want: workflows.StateFailed},
	{file: "redemption_workflow_cancelled.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(),
		drive: cancelWhenFrozen, want: workflows.StateReleased, decision: workflows.DecisionWorkflowCancelled},
	{file: "freeze_frozen.json", workflow: workflows.FreezePointsWorkflowName, input: freezeRequest()},
	{file: "freeze_rejected.json", workflow: workflows.FreezePointsWorkflowName, input: freezeRequest(),
		script:  map[string]func(int) error{crm.OpFreeze: failFirst(99, rejected(crm.OpFreeze, 200, "POINT_NOT_ENOUGH"))},
		wantErr: activities.ErrCRMRejected},
	{file: "freeze_abandoned.json", workflow: workflows.FreezePointsWorkflowName, input: freezeWithTimeout(recordFreezeTimeout),
		script: map[string]func(int) error{crm.OpFreeze: failFirst(2, errLost)}, wantErr: workflows.ErrFreezeAbandoned},
}

func redemptionWith(edit func(*workflows.RedemptionRequest)) workflows.RedemptionRequest {
	r := redemptionRequest()
	edit(&r)
	return r
}

func freezeWithTimeout(timeoutSeconds int64) workflows.FreezeRequest {
	r := freezeRequest()
	r.TimeoutSeconds = timeoutSeconds
	return r
}

// TestRecordHistory writes the histories TestReplay replays. It runs only
// with KYLIN_RECORD_HISTORY=1, against a real in-process Temporal server and
// the fake CRM; name one shape to record only that one:
//
//	KYLIN_RECORD_HISTORY=1 go test ./workflows -run TestRecordHistory -v
//	KYLIN_RECORD_HISTORY=1 go test ./workflows -run 'TestRecordHistory/freeze_abandoned' -v
//
// Record anew only a shape that is new: a changed recording of a released
// shape hides the very incompatibility the replay test is there to catch.
func TestRecordHistory(t *testing.T) {
	if os.Getenv("KYLIN_RECORD_HISTORY") != "1" {
		t.Skip("set KYLIN_RECORD_HISTORY=1 to record workflows/testdata histories")
	}
	// A fixed identity keeps the recording free of this machine's name.
	const identity = "kylin-record-history"
	ts := temporaltest.NewServer(temporaltest.WithT(t),
		temporaltest.WithBaseClientOptions(client.Options{Identity: identity}),
		temporaltest.WithBaseWorkerOptions(worker.Options{Identity: identity}))
	c := ts.GetDefaultClient()
	for _, rec := range recordings {
		t.Run(strings.TrimSuffix(rec.file, ".json"), func(t *testing.T) {
			// One task queue and fake CRM per shape: each has its own script.
			queue := "record-" + strings.TrimSuffix(rec.file, ".json")
			ts.NewWorker(queue, func(r worker.Registry) {
				workflows.Register(r, &activities.Activities{CRM: newFakeCRM(rec.script)})
			})
			hist := record(t, c, queue, rec)
			require.NoError(t, os.WriteFile(filepath.Join("testdata", rec.file), historyJSON(t, hist), 0o644))
			t.Logf("recorded %d events in testdata/%s", len(hist.Events), rec.file)
		})
	}
}

// record runs one shape to its end, checks that it ended as it must, and
// returns its history.
func record(t *testing.T, c client.Client, queue string, rec recording) *historypb.History {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id := "redeem-" + strings.TrimSuffix(rec.file, ".json")
	opts := client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             queue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}
	switch in := rec.input.(type) {
	case workflows.RedemptionRequest:
		opts.StaticSummary = workflows.RedemptionSummary(in)
	case workflows.FreezeRequest:
		opts.StaticSummary = workflows.FreezeSummary(in)
	}
	run, err := c.ExecuteWorkflow(ctx, opts, rec.workflow, rec.input)
	require.NoError(t, err)
	if rec.drive != nil {
		require.NoError(t, rec.drive(ctx, c, id))
	}

	if rec.workflow == workflows.RedemptionWorkflowName {
		var st workflows.RedemptionStatus
		require.NoError(t, run.Get(ctx, &st))
		require.Equal(t, rec.want, st.State, st.Error)
		require.Equal(t, rec.decision, st.Decision)
	} else {
		var res workflows.FreezeResult
		err := run.Get(ctx, &res)
		if rec.wantErr == "" {
			require.NoError(t, err)
			require.NotEmpty(t, res.FreezeToken)
		} else {
			var appErr *temporal.ApplicationError
			require.True(t, errors.As(err, &appErr), "want an ApplicationError, got %v", err)
			require.Equal(t, rec.wantErr, appErr.Type())
		}
	}

	hist := &historypb.History{}
	iter := c.GetWorkflowHistory(ctx, id, run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		hist.Events = append(hist.Events, e)
	}
	return hist
}

// decideWhenFrozen sends Update name once the redemption is FROZEN.
func decideWhenFrozen(name string) func(context.Context, client.Client, string) error {
	return func(ctx context.Context, c client.Client, id string) error {
		if err := waitFrozen(ctx, c, id); err != nil {
			return err
		}
		handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   id,
			UpdateName:   name,
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return err
		}
		var answer workflows.RedemptionStatus
		return handle.Get(ctx, &answer)
	}
}

// cancelWhenFrozen cancels the workflow once the redemption is FROZEN.
func cancelWhenFrozen(ctx context.Context, c client.Client, id string) error {
	if err := waitFrozen(ctx, c, id); err != nil {
		return err
	}
	return c.CancelWorkflow(ctx, id, "")
}

func waitFrozen(ctx context.Context, c client.Client, id string) error {
	for {
		v, err := c.QueryWorkflow(ctx, id, "", workflows.QueryStatus)
		var st workflows.RedemptionStatus
		if err == nil && v.Get(&st) == nil && st.State == workflows.StateFrozen {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Every shape the recorder knows is replayed, and every replayed file has a
// recorder, so that a newcomer can record it again.
func TestEveryRecordingIsReplayed(t *testing.T) {
	t.Parallel()
	var recorded, replayed []string
	for _, r := range recordings {
		recorded = append(recorded, r.file)
	}
	for _, h := range histories {
		replayed = append(replayed, h.file)
	}
	require.ElementsMatch(t, recorded, replayed)
}
