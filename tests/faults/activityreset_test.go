package faults

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// An operator's activity reset (temporal activity reset, or unpause with
// reset attempts) sets the attempt back to 1, so "attempt 1" proves nothing:
// a freeze or a consume applied by the CRM with its answer lost, retried
// through 503s, reset by the operator, then refused, is still settled by what
// the CRM holds. On a real server with the reset API: the freeze is undone
// (FAILED, nothing frozen, the points back), the consume went through
// (CONSUMED once); the ledger has one effect per token.
func TestActivityResetIsNoProof(t *testing.T) {
	t.Parallel()
	tp := testenv.StartTemporal(t)
	resets := map[string]func(ctx context.Context, tp *testenv.Temporal, id, activityType string) error{
		"ResetActivity": func(ctx context.Context, tp *testenv.Temporal, id, activityType string) error {
			_, err := tp.Client.WorkflowService().ResetActivity(ctx, &workflowservice.ResetActivityRequest{
				Namespace: tp.Namespace(), Execution: &commonpb.WorkflowExecution{WorkflowId: id},
				Activity: &workflowservice.ResetActivityRequest_Type{Type: activityType}, ResetHeartbeat: true,
				Identity: "operator",
			})
			return err
		},
		"UnpauseActivity with reset attempts": func(ctx context.Context, tp *testenv.Temporal, id, activityType string) error {
			_, err := tp.Client.WorkflowService().UnpauseActivity(ctx, &workflowservice.UnpauseActivityRequest{
				Namespace: tp.Namespace(), Execution: &commonpb.WorkflowExecution{WorkflowId: id},
				Activity: &workflowservice.UnpauseActivityRequest_Type{Type: activityType}, ResetAttempts: true,
				Identity: "operator",
			})
			return err
		},
	}
	for _, op := range []string{crm.OpFreeze, crm.OpConsume} {
		for name, reset := range resets {
			t.Run(op+"/"+name, func(t *testing.T) {
				t.Parallel()
				crmSrv := startCountingCRM(t, sandbox.Config{})
				queue := fmt.Sprintf("kylin-activity-reset-%s-%d", op, len(name))
				testenv.RunWorker(t, tp, testenv.WorkerConfig(crmSrv.URL, queue), workerapp.Options{})
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				defer cancel()
				const member, points = "reset-member", 6.5
				_, err := crmSrv.Grant(ctx, member, "", 100)
				require.NoError(t, err)

				id := fmt.Sprintf("redeem-activity-reset-%s-%d", op, len(name))
				activityType := activities.FreezeName
				if op == crm.OpConsume {
					activityType = activities.ConsumeName
				}
				// The first request is applied and its answer lost; the
				// next ones meet a CRM that is down.
				var answered int
				crmSrv.setAnswer(op, answerLose)
				onFirst := func() {
					require.Eventually(t, func() bool { return crmSrv.Calls(workflows.BusinessToken(id, op)) >= 1 }, time.Minute, 20*time.Millisecond)
					crmSrv.setAnswer(op, http.StatusServiceUnavailable)
				}
				run, err := testenv.StartRedemption(ctx, tp.Client, id, queue, workflows.RedemptionRequest{
					MemberID: member, Points: points, Description: "activity reset", HoldSeconds: 600, FreezeTimeoutSeconds: 600})
				require.NoError(t, err)
				if op == crm.OpConsume {
					crmSrv.setAnswer(op, answerPass)
					st, err := testenv.WaitSettledFreeze(ctx, tp.Client, id)
					require.NoError(t, err)
					require.Equal(t, workflows.StateFrozen, st.State, st.Error)
					crmSrv.setAnswer(op, answerLose)
					go func() { _, _ = testenv.Decide(ctx, tp.Client, id, workflows.UpdateConfirm) }()
				}
				onFirst()

				// The operator pauses the retrying activity, then resets it
				// to attempt 1, after which the CRM refuses: credentials
				// rotated (freeze: 401) or a conflict (consume: 409).
				require.Eventually(t, func() bool {
					return crmSrv.Calls(workflows.BusinessToken(id, op)) >= 2 && pending(ctx, t, tp, id, activityType).GetAttempt() >= 2
				}, time.Minute, 50*time.Millisecond, "the %s is retried through the 503s", op)
				_, err = tp.Client.WorkflowService().PauseActivity(ctx, &workflowservice.PauseActivityRequest{
					Namespace: tp.Namespace(), Execution: &commonpb.WorkflowExecution{WorkflowId: id},
					Activity: &workflowservice.PauseActivityRequest_Type{Type: activityType}, Identity: "operator", Reason: "CRM outage",
				})
				require.NoError(t, err)
				require.Eventually(t, func() bool { return pending(ctx, t, tp, id, activityType).GetPaused() }, time.Minute, 50*time.Millisecond)
				refusal := proxyAnswer(http.StatusConflict)
				if op == crm.OpFreeze {
					refusal = http.StatusUnauthorized
				}
				crmSrv.setAnswer(op, refusal)
				before := crmSrv.Calls(workflows.BusinessToken(id, op))
				require.NoError(t, reset(ctx, tp, id, activityType))
				require.Eventually(t, func() bool { return crmSrv.Calls(workflows.BusinessToken(id, op)) > before },
					time.Minute, 20*time.Millisecond, "the reset attempt reaches the CRM")
				answered = crmSrv.Calls(workflows.BusinessToken(id, op))
				// The credentials are fixed: the CRM answers again.
				crmSrv.setAnswer(op, answerPass)

				var st workflows.RedemptionStatus
				require.NoError(t, run.Get(ctx, &st))
				b, err := crmSrv.Balance(ctx, member)
				require.NoError(t, err)
				require.Zero(t, b.Frozen, "nothing stays frozen")
				if op == crm.OpFreeze {
					require.Equal(t, workflows.StateFailed, st.State)
					require.Contains(t, st.Error, "it was released, nothing stays frozen")
					require.Equal(t, 100.0, b.Available, "the freeze the lost answer hid was given back")
					require.Equal(t, 1, crmSrv.Calls(workflows.BusinessToken(id, workflows.StepRelease)), "one release")
				} else {
					require.Equal(t, workflows.StateConsumed, st.State, st.Error)
					require.Equal(t, points, b.Consumed, "consumed once")
					require.Equal(t, 100-points, b.Available)
				}
				for _, step := range []string{workflows.StepFreeze, workflows.StepRelease, workflows.StepConsume} {
					entries, err := crmSrv.Entries(ctx, workflows.BusinessToken(id, step))
					require.NoError(t, err)
					require.LessOrEqual(t, len(entries), 1, "%s: at most one effect per token", step)
				}
				require.GreaterOrEqual(t, answered, 3, "the lost answer, the 503s, the refusal after the reset")
				require.NoError(t, crmSrv.CheckInvariants(ctx))
			})
		}
	}
}

// pending is the pending activity of type activityType of workflow id, or nil.
func pending(ctx context.Context, t *testing.T, tp *testenv.Temporal, id, activityType string) *workflowpb.PendingActivityInfo {
	t.Helper()
	d, err := tp.Client.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(t, err)
	for _, a := range d.GetPendingActivities() {
		if a.GetActivityType().GetName() == activityType {
			return a
		}
	}
	return nil
}
