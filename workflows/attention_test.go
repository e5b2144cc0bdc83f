package workflows_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

// resolveAt queries the status at (workflow) time after, then sends the
// resolve Update; the run must be waiting in ATTENTION by then.
func (h *harness) resolveAt(after time.Duration, note, identity string) (*workflows.RedemptionStatus, *updateOutcome) {
	st := &workflows.RedemptionStatus{}
	out := &updateOutcome{}
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.QueryStatus)
		require.NoError(h.t, err)
		require.NoError(h.t, v.Get(st))
		h.env.UpdateWorkflow(workflows.UpdateResolve, "resolve-1", h.callback(out), workflows.ResolveRequest{Note: note, Identity: identity})
	}, after)
	return st, out
}

// callback records one Update's outcome in out.
func (h *harness) callback(out *updateOutcome) *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnReject: func(err error) { out.rejected = err },
		OnComplete: func(v any, err error) {
			out.completed, out.err = true, err
			if err == nil {
				st, ok := v.(workflows.RedemptionStatus)
				require.True(h.t, ok, "update result is %T", v)
				out.status = st
			}
		},
	}
}

// A retry settles again under the same tokens: when the CRM now answers,
// the redemption ends as the decision said; when it refuses again, the run
// waits in ATTENTION again, since when it first did.
func TestRetryFromAttention(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		script    map[string]func(int) error
		decide    string
		retries   int
		want      workflows.State
		crmState  string
		releases  int
		consumes  int
		lastRetry workflows.State
	}{
		{name: "cancel: release refused, then fixed", decide: workflows.UpdateCancel,
			script:  map[string]func(int) error{crm.OpRelease: failFirst(1, rejected(crm.OpRelease, 422, "MEMBER_LOCKED"))},
			retries: 1, want: workflows.StateReleased, crmState: "released", releases: 2, lastRetry: workflows.StateReleased},
		{name: "cancel: refused three times", decide: workflows.UpdateCancel,
			script:  map[string]func(int) error{crm.OpRelease: failFirst(3, rejected(crm.OpRelease, 422, "MEMBER_LOCKED"))},
			retries: 2, want: workflows.StateResolved, crmState: "frozen", releases: 3, lastRetry: workflows.StateAttention},
		{name: "confirm: lost consume, release refused, then the consume answers from the CRM's record", decide: workflows.UpdateConfirm,
			script: map[string]func(int) error{
				crm.OpConsume: sequence(errLost, rejected(crm.OpConsume, 409, "TOKEN_CONFLICT")),
				crm.OpRelease: failFirst(1, rejected(crm.OpRelease, 404, "")),
			},
			retries: 1, want: workflows.StateConsumed, crmState: "consumed", releases: 1, consumes: 3, lastRetry: workflows.StateConsumed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, tc.script)
			decision := h.update(tc.decide, "u1", time.Minute)
			retries := make([]*updateOutcome, tc.retries)
			for i := range retries {
				retries[i] = h.update(workflows.UpdateRetry, fmt.Sprintf("retry-%d", i), time.Duration(i+1)*time.Hour)
			}
			var parked *workflows.RedemptionStatus
			if tc.want == workflows.StateResolved {
				parked, _ = h.resolveAt(time.Duration(tc.retries+1)*time.Hour, "settled by hand", "ops@example")
			}
			st, err := h.redeem(redemptionRequest())
			require.NoError(t, err)
			require.Equal(t, tc.want, st.State, st.Error)
			require.Equal(t, workflows.ErrReleaseFailed, workflows.ErrorType(decision.err), "the decision hears the first failure")
			for i, r := range retries {
				require.NoError(t, r.rejected, "retry %d", i)
				require.True(t, r.completed)
				require.NoError(t, r.err)
			}
			last := retries[len(retries)-1].status
			require.Equal(t, tc.lastRetry, last.State, "the retry answers where it led")
			require.NotNil(t, st.Attention, "the status keeps that it waited for a person")
			require.Equal(t, tc.retries, st.Attention.Retries)
			if parked != nil {
				require.Equal(t, workflows.StateAttention, parked.State)
				require.Equal(t, st.Attention.Since, parked.Attention.Since, "since when it first waited")
				require.Equal(t, "ops@example", st.Resolution.Identity)
				require.Equal(t, "settled by hand", st.Resolution.Note)
			}
			require.Len(t, h.crm.calls(crm.OpRelease), tc.releases)
			require.Len(t, h.crm.calls(crm.OpConsume), tc.consumes)
			for _, op := range []string{crm.OpRelease, crm.OpConsume} {
				for _, tok := range h.crm.calls(op) {
					require.Equal(t, token(op), tok, "every %s under its one token", op)
				}
			}
			require.Equal(t, tc.crmState, h.crm.state(token(workflows.StepFreeze)))
		})
	}
}

// A freeze refused, whose undoing release is refused too, waits in
// ATTENTION; awaitFreeze answers so at once; a retry undoes it again (asks
// under the freeze's token, then releases).
func TestUndoRefusedWaitsForAPerson(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testID, map[string]func(int) error{
		crm.OpFreeze:  failFirst(1, rejected(crm.OpFreeze, 200, "POINT_NOT_ENOUGH")),
		crm.OpRelease: failFirst(1, rejected(crm.OpRelease, 422, "MEMBER_LOCKED")),
	})
	await := h.update(workflows.UpdateAwaitFreeze, "await", 0)
	retry := h.update(workflows.UpdateRetry, "retry", time.Hour)
	st, err := h.redeem(redemptionRequest())
	require.NoError(t, err)
	require.True(t, await.completed)
	require.NoError(t, await.err)
	require.Equal(t, workflows.StateAttention, await.status.State, "redeem hears that the points may be held")
	require.Equal(t, workflows.StateFailed, st.State, st.Error)
	require.Contains(t, st.Error, "it was released, nothing stays frozen")
	require.Equal(t, workflows.StateFailed, retry.status.State)
	require.Equal(t, "released", h.crm.state(token(workflows.StepFreeze)))
	for _, tok := range h.crm.calls(crm.OpRelease) {
		require.Equal(t, token(workflows.StepRelease), tok)
	}
}

// retry and resolve are refused unless the run waits in ATTENTION, resolve
// without a note or an identity too; confirm and cancel are refused while it
// waits; cancelling the workflow does not end the wait.
func TestAttentionUpdatesAreValidated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testID, map[string]func(int) error{crm.OpRelease: failFirst(99, rejected(crm.OpRelease, 422, "MEMBER_LOCKED"))})
	early := h.update(workflows.UpdateRetry, "early-retry", 30*time.Second)
	earlyResolve := h.updateWith(workflows.UpdateResolve, "early-resolve", 30*time.Second, workflows.ResolveRequest{Note: "n", Identity: "i"})
	h.update(workflows.UpdateCancel, "u1", time.Minute)
	noNote := h.updateWith(workflows.UpdateResolve, "no-note", time.Hour, workflows.ResolveRequest{Identity: "ops"})
	noWho := h.updateWith(workflows.UpdateResolve, "no-identity", time.Hour, workflows.ResolveRequest{Note: "done"})
	confirm := h.update(workflows.UpdateConfirm, "confirm", time.Hour)
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, 2*time.Hour)
	during := h.query(3 * time.Hour)
	_, resolve := h.resolveAt(4*time.Hour, "released by hand after the member called", "ops@example")
	st, err := h.redeem(redemptionRequest())
	require.NoError(t, err)
	for name, u := range map[string]*updateOutcome{"retry while FROZEN": early, "resolve while FROZEN": earlyResolve} {
		require.Error(t, u.rejected, name)
		require.Equal(t, workflows.ErrNotInAttention, workflows.ErrorType(u.rejected), name)
		require.Contains(t, u.rejected.Error(), "redemption is FROZEN", name)
	}
	for name, u := range map[string]*updateOutcome{"no note": noNote, "no identity": noWho} {
		require.Error(t, u.rejected, name)
		require.Contains(t, u.rejected.Error(), "is required", name)
	}
	require.Equal(t, workflows.ErrNotFrozen, workflows.ErrorType(confirm.rejected))
	require.Equal(t, workflows.StateAttention, during.State, "cancelling the workflow does not end the wait")
	require.NoError(t, resolve.err)
	require.Equal(t, workflows.StateResolved, st.State)
	require.Equal(t, workflows.DecisionCancel, st.Decision)
	require.Equal(t, "released by hand after the member called", st.Resolution.Note)
	require.Len(t, h.crm.calls(crm.OpRelease), 1)
}

// A run that waits for a person and is retried many times continues as new,
// carrying the wait, the decision and the tokens; the next run waits on.
func TestAttentionContinuesAsNew(t *testing.T) {
	t.Parallel()
	f := newFakeCRM(map[string]func(int) error{crm.OpRelease: failFirst(999, rejected(crm.OpRelease, 422, "MEMBER_LOCKED"))})
	h := newHarnessWith(t, testID, f, &activities.Activities{CRM: f})
	h.update(workflows.UpdateCancel, "u1", time.Minute)
	for i := range 60 {
		h.update(workflows.UpdateRetry, fmt.Sprintf("retry-%d", i), time.Duration(i+1)*time.Hour)
	}
	h.env.ExecuteWorkflow(workflows.RedemptionWorkflowName, redemptionRequest())
	require.True(t, h.env.IsWorkflowCompleted())
	var next *workflow.ContinueAsNewError
	require.True(t, errors.As(h.env.GetWorkflowError(), &next), "%v", h.env.GetWorkflowError())
	var req workflows.RedemptionRequest
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(next.Input, &req))
	require.NotNil(t, req.Resume)
	require.NotNil(t, req.Resume.Attention, "the next run waits on")
	require.Equal(t, workflows.DecisionCancel, req.Resume.Winner)
	require.Equal(t, token(workflows.StepFreeze), req.Resume.Freeze.FreezeToken)
	require.Equal(t, workflows.StateAttention, req.Resume.Status.State)
	calls := len(f.calls(crm.OpRelease))
	require.Equal(t, 51, calls, "the first release and 50 retries")

	// The next run: parked at once, no CRM call until a person acts.
	h2 := newHarnessWith(t, testID, f, &activities.Activities{CRM: f})
	h2.env.SetContinuedExecutionRunID("run-1")
	parked, resolve := h2.resolveAt(time.Hour, "released by hand", "ops@example")
	h2.env.ExecuteWorkflow(workflows.RedemptionWorkflowName, req)
	require.True(t, h2.env.IsWorkflowCompleted())
	require.NoError(t, h2.env.GetWorkflowError())
	var st workflows.RedemptionStatus
	require.NoError(t, h2.env.GetWorkflowResult(&st))
	require.NoError(t, resolve.err)
	require.Equal(t, workflows.StateAttention, parked.State)
	require.Equal(t, req.Resume.Attention.Since, parked.Attention.Since)
	require.Equal(t, 50, parked.Attention.Retries)
	require.Equal(t, workflows.StateResolved, st.State)
	require.Len(t, f.calls(crm.OpRelease), calls, "no CRM call while waiting")
}
