package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/testsuite"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

// details returns the run's current details, as the Web UI reads them, at
// the given (workflow) time.
func (h *harness) details(after time.Duration) *string {
	out := new(string)
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow("__temporal_workflow_metadata")
		require.NoError(h.t, err)
		var md sdkpb.WorkflowMetadata
		require.NoError(h.t, v.Get(&md))
		*out = md.GetCurrentDetails()
	}, after)
	return out
}

func TestCurrentDetailsSayWhatTheRunWaitsFor(t *testing.T) {
	t.Parallel()
	// The release is refused our credentials for 25 attempts: past two
	// rounds of retries, after which the run says why it is still trying.
	h := newHarness(t, testID, map[string]func(int) error{crm.OpRelease: failFirst(25, rejected(crm.OpRelease, 401, "UNAUTHORIZED"))})
	frozen := h.details(30 * time.Second)
	h.update(workflows.UpdateCancel, "u1", time.Minute)
	releasing := h.details(time.Minute + 6*time.Minute) // after the first round of ten attempts (about 4 minutes)
	st, err := h.redeem(redemptionRequest())
	require.NoError(t, err)
	require.Equal(t, workflows.StateReleased, st.State, "the decision stands until the credentials work")
	require.Len(t, h.crm.calls(crm.OpRelease), 26)
	require.Equal(t, "FROZEN: 5 points of member m-1 held for confirm/cancel until "+
		st.FrozenAt.Add(workflows.DefaultHold).UTC().Format("2006-01-02 15:04:05 UTC"), *frozen)
	require.Contains(t, *releasing, "RELEASING: release 5 points of member m-1: the CRM refuses our credentials, retrying (last: ")
	require.Contains(t, *releasing, "HTTP 401")
}

// awaitFreeze, sent with the start, answers once the freeze has settled.
func TestAwaitFreezeAnswersOnceTheFreezeSettles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script map[string]func(int) error
		want   workflows.State
	}{
		{"frozen after a retry", map[string]func(int) error{crm.OpFreeze: failFirst(2, transient(crm.OpFreeze))}, workflows.StateFrozen},
		{"refused", map[string]func(int) error{crm.OpFreeze: failFirst(9, rejected(crm.OpFreeze, 200, "POINT_NOT_ENOUGH"))}, workflows.StateFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, tc.script)
			u := h.update(workflows.UpdateAwaitFreeze, "await", 0)
			h.update(workflows.UpdateCancel, "u1", time.Hour)
			_, err := h.redeem(redemptionRequest())
			require.NoError(t, err)
			require.NoError(t, u.rejected)
			require.True(t, u.completed)
			require.NoError(t, u.err)
			require.Equal(t, tc.want, u.status.State)
			require.Equal(t, token(workflows.StepFreeze), u.status.FreezeToken)
		})
	}
}

func TestAwaitFreezeOfAFreezeRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testID, nil)
	var got workflows.FreezeResult
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(workflows.UpdateAwaitFreeze, "await", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { require.NoError(t, err) },
			OnComplete: func(v any, err error) { require.NoError(t, err); got = v.(workflows.FreezeResult) },
		})
	}, 0)
	h.env.ExecuteWorkflow(workflows.FreezePointsWorkflowName, freezeRequest())
	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, frozenResult(), got)
}
