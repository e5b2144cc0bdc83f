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

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestResetBeforeFreezeCompleted resets a FROZEN redemption to the workflow
// task before its freeze completed and lets it run again: the new run sends
// the freeze again under the same token, the CRM answers from its record, and
// nothing is applied twice.
func TestResetBeforeFreezeCompleted(t *testing.T) {
	t.Parallel()
	tp := testenv.StartTemporal(t)
	crmSrv := startCountingCRM(t, sandbox.Config{})
	const taskQueue = "kylin-reset"
	testenv.RunWorker(t, tp, testenv.WorkerConfig(crmSrv.URL, taskQueue), workerapp.Options{})
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

	// The WorkflowTaskCompleted that precedes the freeze's ActivityTaskCompleted.
	var resetTo int64
	for _, e := range history(ctx, t, tp.Client, id, run.GetRunID()) {
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			resetTo = e.GetEventId()
		}
		if e.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED {
			break
		}
	}
	require.NotZero(t, resetTo)
	resp, err := tp.Client.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 tp.Namespace(),
		WorkflowExecution:         &commonpb.WorkflowExecution{WorkflowId: id, RunId: run.GetRunID()},
		Reason:                    "test: reset to before the freeze completed",
		WorkflowTaskFinishEventId: resetTo,
		RequestId:                 uuid.NewString(),
	})
	require.NoError(t, err)
	require.NotEqual(t, run.GetRunID(), resp.GetRunId())

	// The new run freezes again: same token, answered from the CRM's record.
	require.Eventually(t, func() bool {
		st, err := testenv.Status(ctx, tp.Client, id)
		return err == nil && st.State == workflows.StateFrozen && crmSrv.Calls(freezeToken) == 2
	}, time.Minute, 100*time.Millisecond, "the reset run re-sends the freeze and reaches FROZEN")
	require.Equal(t, []int32{1}, activityStarts(history(ctx, t, tp.Client, id, resp.GetRunId()), activities.FreezeName),
		"the reset run executed the freeze itself")
	require.EqualValues(t, 1, crmSrv.Stats().Calls[crm.OpFreeze]["replayed"], "the second freeze was a replay")

	st, err = testenv.Decide(ctx, tp.Client, id, workflows.UpdateConfirm)
	require.NoError(t, err)
	require.Equal(t, workflows.StateConsumed, st.State)
	require.Equal(t, freezeToken, st.FreezeToken)

	entries, err := crmSrv.Entries(ctx, freezeToken)
	require.NoError(t, err)
	require.Len(t, entries, 1, "one freeze effect")
	b, err := crmSrv.Balance(ctx, member)
	require.NoError(t, err)
	require.Equal(t, 100-points, b.Available)
	require.Zero(t, b.Frozen)
	require.Equal(t, points, b.Consumed)
	require.NoError(t, crmSrv.CheckInvariants(ctx))
}
