package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

// The workflow types kylin-points owns besides the redemption wait in
// ATTENTION too when points may be held with nothing left to settle them:
// FreezePointsWorkflow whose undo could not be carried out, and the
// settlement workflows whose release could not be. A person's retry settles
// again under the same tokens; a resolve ends the run with their word.
func TestStandaloneWorkflowsWaitForAPerson(t *testing.T) {
	t.Parallel()
	lockedRelease := failFirst(1, rejected(crm.OpRelease, 422, "MEMBER_LOCKED"))
	tests := []struct {
		name     string
		workflow string
		consume  bool
		script   map[string]func(int) error
		action   string
		// wantErr is the workflow's error type ("" for a result), wantState
		// the state of the result, or of the status the Updates answer.
		wantErr   string
		wantState workflows.State
		retried   workflows.State
		crmState  string
		releases  int
	}{
		{name: "freeze: the undo's release refused, retried", workflow: workflows.FreezePointsWorkflowName,
			script: map[string]func(int) error{crm.OpFreeze: failFirst(1, rejected(crm.OpFreeze, 200, "MEMBER_LOCKED")), crm.OpRelease: lockedRelease},
			action: workflows.UpdateRetry, wantErr: workflows.ErrFreezeAbandoned, retried: workflows.StateFailed, crmState: "released", releases: 2},
		{name: "freeze: the undo's release refused, resolved", workflow: workflows.FreezePointsWorkflowName,
			script: map[string]func(int) error{crm.OpFreeze: failFirst(1, rejected(crm.OpFreeze, 200, "MEMBER_LOCKED")), crm.OpRelease: lockedRelease},
			action: workflows.UpdateResolve, wantErr: workflows.ErrResolved, wantState: workflows.StateResolved, releases: 1},
		{name: "release refused, retried", workflow: workflows.ReleasePointsWorkflowName,
			script: map[string]func(int) error{crm.OpRelease: lockedRelease},
			action: workflows.UpdateRetry, wantState: workflows.StateReleased, retried: workflows.StateReleased, crmState: "released", releases: 2},
		{name: "release refused, resolved", workflow: workflows.ReleasePointsWorkflowName,
			script: map[string]func(int) error{crm.OpRelease: lockedRelease},
			action: workflows.UpdateResolve, wantState: workflows.StateResolved, crmState: "frozen", releases: 1},
		{name: "consume and its release refused, retried", workflow: workflows.ConsumePointsWorkflowName, consume: true,
			script: map[string]func(int) error{crm.OpConsume: failFirst(1, rejected(crm.OpConsume, 422, "MEMBER_LOCKED")), crm.OpRelease: lockedRelease},
			action: workflows.UpdateRetry, wantState: workflows.StateConsumed, retried: workflows.StateConsumed, crmState: "consumed", releases: 1},
		{name: "consume and its release refused, resolved", workflow: workflows.ConsumePointsWorkflowName, consume: true,
			script: map[string]func(int) error{crm.OpConsume: failFirst(1, rejected(crm.OpConsume, 422, "MEMBER_LOCKED")), crm.OpRelease: lockedRelease},
			action: workflows.UpdateResolve, wantState: workflows.StateResolved, crmState: "frozen", releases: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeCRM(tc.script)
			id, arg := testID, any(freezeRequest())
			if tc.workflow != workflows.FreezePointsWorkflowName {
				frozen := runWith(t, f, testID, workflows.FreezePointsWorkflowName, freezeRequest())
				var freeze workflows.FreezeResult
				require.NoError(t, frozen.GetWorkflowResult(&freeze))
				id, arg = workflows.SettlementID(testID), workflows.SettleRequest{Freeze: freeze}
			}
			h := newHarnessWith(t, id, f, &activities.Activities{CRM: f})
			var parked *workflows.RedemptionStatus
			var out *updateOutcome
			if tc.action == workflows.UpdateResolve {
				parked, out = h.resolveAt(time.Hour, "settled by hand", "ops@example")
			} else {
				parked = h.query(time.Hour)
				out = h.update(workflows.UpdateRetry, "retry-1", time.Hour+time.Second)
			}
			h.env.ExecuteWorkflow(tc.workflow, arg)
			require.True(t, h.env.IsWorkflowCompleted())

			require.Equal(t, workflows.StateAttention, parked.State, "it waits for a person")
			require.NotNil(t, parked.Attention)
			require.Equal(t, workflows.BusinessToken(testID, workflows.StepFreeze), parked.Attention.FreezeToken)
			require.Equal(t, "m-1", parked.Attention.MemberID)
			require.EqualValues(t, 5, parked.Attention.Points)
			require.Contains(t, parked.Attention.Why, "MEMBER_LOCKED")

			require.NoError(t, out.rejected)
			require.True(t, out.completed, "the Update is answered")
			require.NoError(t, out.err)
			if tc.retried != "" {
				require.Equal(t, tc.retried, out.status.State, "the retry answers where it led: %s", out.status.Error)
			} else {
				require.Equal(t, workflows.StateResolved, out.status.State)
				require.Equal(t, "ops@example", out.status.Resolution.Identity)
			}

			err := h.env.GetWorkflowError()
			if tc.wantErr != "" {
				require.Equal(t, tc.wantErr, workflows.ErrorType(err), "%v", err)
				if tc.wantErr == workflows.ErrResolved {
					appErr, ok := errors.AsType[*temporal.ApplicationError](err)
					require.True(t, ok)
					var st workflows.RedemptionStatus
					require.NoError(t, appErr.Details(&st))
					require.Equal(t, "settled by hand", st.Resolution.Note)
				}
			} else {
				require.NoError(t, err)
				var res workflows.SettleResult
				require.NoError(t, h.env.GetWorkflowResult(&res))
				require.Equal(t, tc.wantState, res.State, res.Error)
				require.NotNil(t, res.Attention, "the result says it waited for a person")
				if tc.action == workflows.UpdateResolve {
					require.Equal(t, "settled by hand", res.Resolution.Note)
				} else {
					require.Equal(t, 1, res.Attention.Retries)
				}
			}
			require.Len(t, f.calls(crm.OpRelease), tc.releases)
			for _, tok := range f.calls(crm.OpRelease) {
				require.Equal(t, workflows.BusinessToken(testID, workflows.SettleStep(workflows.StepFreeze, workflows.StepRelease)), tok, "one release token")
			}
			require.Equal(t, tc.crmState, f.state(workflows.BusinessToken(testID, workflows.StepFreeze)))
		})
	}
}

// A retry or resolve sent to a run that is not waiting for a person is
// refused, and never reaches its history.
func TestStandaloneWorkflowsRefuseRetryOutsideAttention(t *testing.T) {
	t.Parallel()
	f := newFakeCRM(map[string]func(int) error{crm.OpRelease: failFirst(3, transient(crm.OpRelease))})
	frozen := runWith(t, f, testID, workflows.FreezePointsWorkflowName, freezeRequest())
	var freeze workflows.FreezeResult
	require.NoError(t, frozen.GetWorkflowResult(&freeze))
	h := newHarnessWith(t, workflows.SettlementID(testID), f, &activities.Activities{CRM: f})
	retry := h.update(workflows.UpdateRetry, "retry-early", 100*time.Millisecond)
	resolve := h.updateWith(workflows.UpdateResolve, "resolve-early", 200*time.Millisecond, workflows.ResolveRequest{Note: "n", Identity: "me"})
	h.env.ExecuteWorkflow(workflows.ReleasePointsWorkflowName, workflows.SettleRequest{Freeze: freeze})
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	for _, out := range []*updateOutcome{retry, resolve} {
		require.Equal(t, workflows.ErrNotInAttention, workflows.ErrorType(out.rejected), "%v", out.rejected)
		require.ErrorContains(t, out.rejected, "settlement is RELEASING")
	}
}

// A standalone run retried many times while it waits continues as new with
// the same request and its Attention (since when, how many retries), so
// that the next run waits on under the same tokens without a CRM call.
func TestStandaloneWorkflowsWaitOnAcrossRuns(t *testing.T) {
	t.Parallel()
	for _, name := range []string{workflows.FreezePointsWorkflowName, workflows.ReleasePointsWorkflowName} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFakeCRM(map[string]func(int) error{
				crm.OpFreeze:  failFirst(1, rejected(crm.OpFreeze, 200, "MEMBER_LOCKED")),
				crm.OpRelease: failFirst(999, rejected(crm.OpRelease, 422, "MEMBER_LOCKED")),
			})
			id, arg := testID, any(freezeRequest())
			if name == workflows.ReleasePointsWorkflowName {
				f = newFakeCRM(map[string]func(int) error{crm.OpRelease: failFirst(999, rejected(crm.OpRelease, 422, "MEMBER_LOCKED"))})
				frozen := runWith(t, f, testID, workflows.FreezePointsWorkflowName, freezeRequest())
				var freeze workflows.FreezeResult
				require.NoError(t, frozen.GetWorkflowResult(&freeze))
				id, arg = workflows.SettlementID(testID), workflows.SettleRequest{Freeze: freeze}
			}
			h := newHarnessWith(t, id, f, &activities.Activities{CRM: f})
			const retries = 50 // maxParkedRetries
			for i := range retries {
				h.update(workflows.UpdateRetry, "retry-"+string(rune('a'+i%26))+string(rune('a'+i/26)), time.Duration(i+1)*time.Hour)
			}
			h.env.ExecuteWorkflow(name, arg)
			require.True(t, h.env.IsWorkflowCompleted())
			var can *workflow.ContinueAsNewError
			require.True(t, errors.As(h.env.GetWorkflowError(), &can), "%v", h.env.GetWorkflowError())
			require.Equal(t, name, can.WorkflowType.Name)
			var a *workflows.Attention
			if name == workflows.FreezePointsWorkflowName {
				var next workflows.FreezeRequest
				require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
				require.True(t, next.Undo)
				a = next.Attention
			} else {
				var next workflows.SettleRequest
				require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
				a = next.Attention
			}
			require.NotNil(t, a, "the next run waits on")
			require.Equal(t, retries, a.Retries)
			require.Equal(t, workflows.BusinessToken(testID, workflows.StepFreeze), a.FreezeToken)
		})
	}
}

// The library functions, called from another team's workflow, never wait
// for a person inside it: a release the CRM refuses is that workflow's
// ReleaseFailed, at once, as before.
func TestLibraryFunctionsDoNotPark(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testID, map[string]func(int) error{crm.OpRelease: failFirst(99, rejected(crm.OpRelease, 422, "MEMBER_LOCKED"))})
	registerCallers(h.env)
	retry := h.update(workflows.UpdateRetry, "retry-1", time.Hour)
	h.env.ExecuteWorkflow(twoFreezesName, workflows.FreezeRequest{MemberID: "m-1", Points: 3, Description: "second", Step: workflows.FreezeStep(2), ShopCode: settleBoth})
	require.True(t, h.env.IsWorkflowCompleted())
	err := h.env.GetWorkflowError()
	require.Equal(t, workflows.ErrReleaseFailed, workflows.ErrorType(err), "%v", err)
	require.NotContains(t, err.Error(), "waits in ATTENTION")
	require.False(t, retry.completed, "the caller's workflow ended before any retry: it did not wait")
	require.Len(t, h.crm.calls(crm.OpRelease), 1)
}
