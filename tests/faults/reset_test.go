package faults

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestResetBeforeFreezeCompleted resets a FROZEN redemption to the workflow
// task before its freeze completed and lets it run again: the new run sends
// the freeze again under the same token, the CRM answers from its record, and
// nothing is applied twice.
func TestResetBeforeFreezeCompleted(t *testing.T) {
	t.Parallel()
	const taskQueue = "kylin-reset"
	tp, crmSrv := startWithWorker(t, taskQueue)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const member, points = "reset-member", 12.5
	_, err := crmSrv.Grant(ctx, member, "", 100)
	require.NoError(t, err)
	id := "redeem-reset-1"
	freezeToken := workflows.BusinessToken(id, workflows.StepFreeze)
	run, err := testenv.StartRedemption(ctx, tp.Client, id, taskQueue,
		workflows.RedemptionRequest{MemberID: member, Points: points, Description: "reset test", HoldSeconds: 600})
	require.NoError(t, err)
	st, err := testenv.WaitSettledFreeze(ctx, tp.Client, id)
	require.NoError(t, err)
	require.Equal(t, workflows.StateFrozen, st.State)
	require.Equal(t, 1, crmSrv.Calls(freezeToken))

	newRun := resetBefore(ctx, t, tp, id, run.GetRunID(), enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, "the freeze completed")

	// The new run freezes again: same token, answered from the CRM's record.
	require.Eventually(t, func() bool {
		st, err := testenv.Status(ctx, tp.Client, id)
		return err == nil && st.State == workflows.StateFrozen && crmSrv.Calls(freezeToken) == 2
	}, time.Minute, 100*time.Millisecond, "the reset run re-sends the freeze and reaches FROZEN")
	require.Equal(t, []int32{1}, activityStarts(history(ctx, t, tp.Client, id, newRun), activities.FreezeName),
		"the reset run executed the freeze itself")
	require.EqualValues(t, 1, crmSrv.Stats().Calls[crm.OpFreeze]["replayed"], "the second freeze was a replay")

	st, err = testenv.Decide(ctx, tp.Client, id, workflows.UpdateConfirm)
	require.NoError(t, err)
	require.Equal(t, workflows.StateConsumed, st.State)
	require.Equal(t, freezeToken, st.FreezeToken)

	entries, err := crmSrv.Entries(ctx, freezeToken)
	require.NoError(t, err)
	require.Len(t, entries, 1, "one freeze effect")
	requireConsumedOnce(ctx, t, crmSrv, member, 100, points)
}

// TestResetBeforeConfirm resets a CONSUMED redemption to the workflow task
// before its confirm was accepted. The reset run is FROZEN again on the
// freeze already in its history; whether the server reapplies the confirm
// or it is sent again, the consume goes out under the same token, the CRM
// answers from its record, and no point moves twice.
func TestResetBeforeConfirm(t *testing.T) {
	t.Parallel()
	const taskQueue = "kylin-reset-confirm"
	tp, crmSrv := startWithWorker(t, taskQueue)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const member, points = "reset-confirm-member", 4.25
	_, err := crmSrv.Grant(ctx, member, "", 50)
	require.NoError(t, err)
	id := "redeem-reset-confirm-1"
	run, err := testenv.StartRedemption(ctx, tp.Client, id, taskQueue,
		workflows.RedemptionRequest{MemberID: member, Points: points, Description: "reset before confirm", HoldSeconds: 600})
	require.NoError(t, err)
	_, err = testenv.WaitSettledFreeze(ctx, tp.Client, id)
	require.NoError(t, err)
	st, err := testenv.Decide(ctx, tp.Client, id, workflows.UpdateConfirm)
	require.NoError(t, err)
	require.Equal(t, workflows.StateConsumed, st.State)
	consumeToken := workflows.BusinessToken(id, workflows.StepConsume)
	require.Equal(t, 1, crmSrv.Calls(consumeToken))

	newRun := resetBefore(ctx, t, tp, id, run.GetRunID(), enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, "the confirm was accepted")

	// Confirm again if the reset did not bring the confirm along; a repeat
	// of the winner is answered either way.
	st, err = testenv.Decide(ctx, tp.Client, id, workflows.UpdateConfirm)
	require.NoError(t, err)
	require.Equal(t, workflows.StateConsumed, st.State, st.Error)
	require.NoError(t, tp.Client.GetWorkflow(ctx, id, newRun).Get(ctx, &st))
	require.Equal(t, workflows.StateConsumed, st.State)

	require.Equal(t, 2, crmSrv.Calls(consumeToken), "the reset run sent the consume again, under the same token")
	require.EqualValues(t, 1, crmSrv.Stats().Calls[crm.OpConsume]["replayed"], "and the CRM answered from its record")
	for _, step := range []string{workflows.StepFreeze, workflows.StepConsume} {
		entries, err := crmSrv.Entries(ctx, workflows.BusinessToken(id, step))
		require.NoError(t, err)
		require.Len(t, entries, 1, "one %s effect", step)
	}
	require.Zero(t, crmSrv.Calls(workflows.BusinessToken(id, workflows.StepRelease)))
	requireConsumedOnce(ctx, t, crmSrv, member, 50, points)
}

// resetBefore resets run of id to the last workflow task completed before
// its first event of type stop, and returns the new run's ID.
func resetBefore(ctx context.Context, t *testing.T, tp *testenv.Temporal, id, runID string, stop enumspb.EventType, what string) string {
	t.Helper()
	var resetTo int64
	for _, e := range history(ctx, t, tp.Client, id, runID) {
		if e.GetEventType() == stop {
			break
		}
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			resetTo = e.GetEventId()
		}
	}
	require.NotZero(t, resetTo, "no workflow task completed before %s", stop)
	resp, err := tp.Client.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 tp.Namespace(),
		WorkflowExecution:         &commonpb.WorkflowExecution{WorkflowId: id, RunId: runID},
		Reason:                    "test: reset to before " + what,
		WorkflowTaskFinishEventId: resetTo,
		RequestId:                 uuid.NewString(),
	})
	require.NoError(t, err)
	require.NotEqual(t, runID, resp.GetRunId())
	return resp.GetRunId()
}

// requireConsumedOnce checks that member, granted points at the start, had
// points consumed exactly once and nothing left frozen, with the ledger
// balanced.
func requireConsumedOnce(ctx context.Context, t *testing.T, crmSrv *countingCRM, member string, granted, points float64) {
	t.Helper()
	b, err := crmSrv.Balance(ctx, member)
	require.NoError(t, err)
	require.Equal(t, granted-points, b.Available)
	require.Zero(t, b.Frozen)
	require.Equal(t, points, b.Consumed)
	require.NoError(t, crmSrv.CheckInvariants(ctx))
}

// A new run of the same workflow ID, a real one with its own run ID on a
// real server, sends the same token: the CRM answers from its record and
// the points are frozen once.
func TestNewRunOfTheSameWorkflowIDSendsTheSameToken(t *testing.T) {
	t.Parallel()
	const taskQueue = "kylin-token-runs"
	tp, crmSrv := startWithWorker(t, taskQueue)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const member = "token-runs-member"
	_, err := crmSrv.Grant(ctx, member, "", 20)
	require.NoError(t, err)

	const id = "freeze-token-runs"
	token := workflows.BusinessToken(id, workflows.StepFreeze)
	var runIDs []string
	var results []workflows.FreezeResult
	for range 2 {
		run, err := tp.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: id, TaskQueue: taskQueue,
			// Only for this test: docs/design.md forbids reusing a business key.
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		}, workflows.FreezePointsWorkflowName, workflows.FreezeRequest{MemberID: member, Points: 3, Description: "token across runs"})
		require.NoError(t, err)
		var res workflows.FreezeResult
		require.NoError(t, run.Get(ctx, &res))
		runIDs, results = append(runIDs, run.GetRunID()), append(results, res)
	}
	require.NotEqual(t, runIDs[0], runIDs[1], "two runs")
	require.Equal(t, token, results[0].FreezeToken)
	require.Equal(t, token, results[1].FreezeToken, "the second run froze under the first run's token")
	require.False(t, results[0].Replayed)
	require.True(t, results[1].Replayed, "the CRM answered the new run from its record, and the run says so")
	require.Equal(t, 2, crmSrv.Calls(token))
	entries, err := crmSrv.Entries(ctx, token)
	require.NoError(t, err)
	require.Len(t, entries, 1, "frozen once")
	b, err := crmSrv.Balance(ctx, member)
	require.NoError(t, err)
	require.Equal(t, 3.0, b.Frozen)
}
