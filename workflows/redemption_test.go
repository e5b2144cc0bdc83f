package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

func TestRedemptionPaths(t *testing.T) {
	t.Parallel()
	invalid := &crm.Error{Class: crm.ClassInvalid, Op: crm.OpFreeze, Err: errors.New("point must be greater than 0")}
	tests := []struct {
		name     string
		req      func(*workflows.RedemptionRequest)
		script   map[string]func(int) error
		act      func(h *harness) // sends Updates or cancels, in workflow time
		want     workflows.State
		decision string
		errHas   string
		calls    map[string]int // CRM calls per operation
		freeze   string         // what became of the freeze at the CRM
		held     time.Duration  // from FROZEN to settled
		elapsed  time.Duration  // from start to settled, when never FROZEN
	}{
		{
			name:     "confirm consumes",
			act:      func(h *harness) { h.update(workflows.UpdateConfirm, "u1", time.Minute) },
			want:     workflows.StateConsumed,
			decision: workflows.DecisionConfirm,
			calls:    map[string]int{crm.OpFreeze: 1, crm.OpConsume: 1},
			freeze:   "consumed",
			held:     time.Minute,
		},
		{
			name:     "cancel releases",
			act:      func(h *harness) { h.update(workflows.UpdateCancel, "u1", 2*time.Minute) },
			want:     workflows.StateReleased,
			decision: workflows.DecisionCancel,
			calls:    map[string]int{crm.OpFreeze: 1, crm.OpRelease: 1},
			freeze:   "released",
			held:     2 * time.Minute,
		},
		{
			name:     "default hold timeout releases after 15 minutes",
			want:     workflows.StateReleased,
			decision: workflows.DecisionHoldTimeout,
			calls:    map[string]int{crm.OpFreeze: 1, crm.OpRelease: 1},
			freeze:   "released",
			held:     workflows.DefaultHold,
		},
		{
			name:     "hold timeout from the input",
			req:      func(r *workflows.RedemptionRequest) { r.HoldSeconds = 90 },
			want:     workflows.StateReleased,
			decision: workflows.DecisionHoldTimeout,
			calls:    map[string]int{crm.OpFreeze: 1, crm.OpRelease: 1},
			freeze:   "released",
			held:     90 * time.Second,
		},
		{
			name:   "freeze refused fails once a release finds nothing frozen",
			script: map[string]func(int) error{crm.OpFreeze: failFirst(99, rejected(crm.OpFreeze, 200, "POINT_NOT_ENOUGH"))},
			want:   workflows.StateFailed,
			errHas: "POINT_NOT_ENOUGH",
			calls:  map[string]int{crm.OpFreeze: 1, crm.OpRelease: 1},
		},
		{
			name:   "invalid input fails without retry",
			script: map[string]func(int) error{crm.OpFreeze: failFirst(99, invalid)},
			want:   workflows.StateFailed,
			errHas: "point must be greater than 0",
			calls:  map[string]int{crm.OpFreeze: 1},
		},
		{
			name:   "negative hold fails before any call",
			req:    func(r *workflows.RedemptionRequest) { r.HoldSeconds = -1 },
			want:   workflows.StateFailed,
			errHas: "holdSeconds must not be negative",
			calls:  map[string]int{},
		},
		{
			// A client that sets resume would settle the freeze it names.
			name: "a resume the workflow did not carry over fails before any call",
			req: func(r *workflows.RedemptionRequest) {
				other := workflows.FreezeResult{WorkflowID: "redeem-someone-else", Step: workflows.StepFreeze, MemberID: "m-2", Points: 50,
					FreezeToken: workflows.BusinessToken("redeem-someone-else", workflows.StepFreeze)}
				r.Resume = &workflows.RedemptionResume{Status: workflows.RedemptionStatus{State: workflows.StateReleasing}, Freeze: other}
			},
			want:   workflows.StateFailed,
			errHas: "resume is set only by the workflow itself",
			calls:  map[string]int{},
		},
		{
			name:     "consume rejected is compensated by a release",
			script:   map[string]func(int) error{crm.OpConsume: failFirst(99, rejected(crm.OpConsume, 422, "MEMBER_LOCKED"))},
			act:      func(h *harness) { h.update(workflows.UpdateConfirm, "u1", time.Minute) },
			want:     workflows.StateReleased,
			decision: workflows.DecisionConsumeRejected,
			errHas:   "MEMBER_LOCKED",
			calls:    map[string]int{crm.OpFreeze: 1, crm.OpConsume: 1, crm.OpRelease: 1},
			freeze:   "released",
			held:     time.Minute,
		},
		{
			name:     "transient consume failures are retried with one token",
			script:   map[string]func(int) error{crm.OpConsume: failFirst(3, transient(crm.OpConsume))},
			act:      func(h *harness) { h.update(workflows.UpdateConfirm, "u1", time.Minute) },
			want:     workflows.StateConsumed,
			decision: workflows.DecisionConfirm,
			calls:    map[string]int{crm.OpFreeze: 1, crm.OpConsume: 4},
			freeze:   "consumed",
			held:     time.Minute + 7*time.Second, // backoff 1s + 2s + 4s
		},
		{
			name:     "workflow cancelled while FROZEN releases",
			act:      func(h *harness) { h.env.RegisterDelayedCallback(h.env.CancelWorkflow, 3*time.Minute) },
			want:     workflows.StateReleased,
			decision: workflows.DecisionWorkflowCancelled,
			calls:    map[string]int{crm.OpFreeze: 1, crm.OpRelease: 1},
			freeze:   "released",
			held:     3 * time.Minute,
		},
		{
			// Attempts at 0s, 1s and 3s lose their answers; the next would
			// start at 7s, past the 5s budget. The freeze is asked again to
			// learn its outcome (applied), then released.
			name:    "freeze timing out with its effect applied is released",
			req:     func(r *workflows.RedemptionRequest) { r.FreezeTimeoutSeconds = 5 },
			script:  map[string]func(int) error{crm.OpFreeze: failFirst(3, errLost)},
			want:    workflows.StateFailed,
			errHas:  "it was released",
			calls:   map[string]int{crm.OpFreeze: 4, crm.OpRelease: 1},
			freeze:  "released",
			elapsed: 3 * time.Second,
		},
		{
			// The first attempt's answer is lost; the workflow is cancelled
			// while the retry waits, so the outcome is unknown: undone.
			name:     "workflow cancelled while FREEZING undoes the freeze",
			script:   map[string]func(int) error{crm.OpFreeze: failFirst(1, errLost)},
			act:      func(h *harness) { h.env.RegisterDelayedCallback(h.env.CancelWorkflow, 500*time.Millisecond) },
			want:     workflows.StateFailed,
			decision: workflows.DecisionWorkflowCancelled,
			errHas:   "it was released",
			calls:    map[string]int{crm.OpFreeze: 2, crm.OpRelease: 1},
			freeze:   "released",
			elapsed:  500 * time.Millisecond,
		},
		{
			name: "freeze timing out that never applied releases nothing",
			req:  func(r *workflows.RedemptionRequest) { r.FreezeTimeoutSeconds = 5 },
			script: map[string]func(int) error{crm.OpFreeze: func(n int) error {
				if n <= 3 {
					return transient(crm.OpFreeze)
				}
				return rejected(crm.OpFreeze, 200, "POINT_NOT_ENOUGH")
			}},
			want:    workflows.StateFailed,
			errHas:  "the CRM holds no freeze under its token, nothing stays frozen",
			calls:   map[string]int{crm.OpFreeze: 4, crm.OpRelease: 1},
			elapsed: 3 * time.Second,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, tc.script)
			req := redemptionRequest()
			if tc.req != nil {
				tc.req(&req)
			}
			if tc.act != nil {
				tc.act(h)
			}
			st, err := h.redeem(req)
			require.NoError(t, err)

			require.Equal(t, tc.want, st.State)
			require.Equal(t, tc.decision, st.Decision)
			require.Equal(t, testID, st.WorkflowID)
			require.Equal(t, "m-1", st.MemberID)
			require.Equal(t, 5.0, st.Points)
			require.Equal(t, token(workflows.StepFreeze), st.FreezeToken)
			if tc.errHas == "" {
				require.Empty(t, st.Error)
			} else {
				require.Contains(t, st.Error, tc.errHas)
			}
			for _, op := range []string{crm.OpFreeze, crm.OpRelease, crm.OpConsume} {
				calls := h.crm.calls(op)
				require.Len(t, calls, tc.calls[op], op)
				for _, tok := range calls {
					require.Equal(t, token(op), tok, "every %s carries the %s token", op, op)
				}
			}
			if tc.calls[crm.OpRelease] > 0 {
				require.Equal(t, token(workflows.StepRelease), st.ReleaseToken)
			}
			if tc.calls[crm.OpConsume] > 0 {
				require.Equal(t, token(workflows.StepConsume), st.ConsumeToken)
			}
			require.Equal(t, tc.freeze, h.crm.state(st.FreezeToken))
			require.False(t, st.StartedAt.IsZero())
			require.False(t, st.SettledAt.IsZero())
			if tc.held > 0 {
				require.Equal(t, tc.held, st.SettledAt.Sub(st.FrozenAt))
			} else {
				require.True(t, st.FrozenAt.IsZero())
				require.Equal(t, tc.elapsed, st.SettledAt.Sub(st.StartedAt))
			}
		})
	}
}

func TestConfirmAnswersTheFinalStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script map[string]func(int) error
		want   workflows.State
	}{
		{"consumed", nil, workflows.StateConsumed},
		{"consume rejected", map[string]func(int) error{crm.OpConsume: failFirst(99, rejected(crm.OpConsume, 422, "MEMBER_LOCKED"))}, workflows.StateReleased},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, tc.script)
			u := h.update(workflows.UpdateConfirm, "u1", time.Minute)
			st, err := h.redeem(redemptionRequest())
			require.NoError(t, err)
			require.NoError(t, u.rejected)
			require.True(t, u.completed)
			require.NoError(t, u.err)
			require.Equal(t, tc.want, u.status.State)
			require.Equal(t, st, u.status)
		})
	}
}

func TestStatusQueryWhileFrozen(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testID, nil)
	during := h.query(time.Minute)
	h.update(workflows.UpdateCancel, "u1", 2*time.Minute)
	_, err := h.redeem(redemptionRequest())
	require.NoError(t, err)
	require.Equal(t, workflows.StateFrozen, during.State)
	require.Equal(t, "m-1", during.MemberID)
	require.Equal(t, "mug from the points mall", during.Description)
	require.Equal(t, token(workflows.StepFreeze), during.FreezeToken)
	require.Empty(t, during.Decision)
	require.Empty(t, during.ReleaseToken)
	require.False(t, during.FrozenAt.IsZero())
	require.True(t, during.SettledAt.IsZero())
}

// A release the CRM refuses for good leaves the points possibly frozen: the
// cancel hears ErrReleaseFailed as it always did, and the run waits in
// ATTENTION for a person instead of ending.
func TestReleaseRefusedWaitsForAPerson(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testID, map[string]func(int) error{
		crm.OpRelease: failFirst(99, rejected(crm.OpRelease, 404, "NOT_FOUND")),
	})
	cancel := h.update(workflows.UpdateCancel, "u1", time.Minute)
	parked, _ := h.resolveAt(time.Hour, "released by hand", "ops@example")
	st, err := h.redeem(redemptionRequest())
	require.NoError(t, err)
	require.Equal(t, workflows.StateResolved, st.State)
	require.True(t, cancel.completed)
	require.Equal(t, workflows.ErrReleaseFailed, workflows.ErrorType(cancel.err), "the cancel Update reports the failure")
	appErr, ok := errors.AsType[*temporal.ApplicationError](cancel.err)
	require.True(t, ok, "%v", cancel.err)
	require.Contains(t, appErr.Error(), token(workflows.StepFreeze))
	require.Contains(t, appErr.Error(), "NOT_FOUND")
	require.Contains(t, appErr.Error(), "its points may stay frozen until a person checks and settles them")
	require.Contains(t, appErr.Error(), "waits in ATTENTION")
	var s workflows.StrandedFreeze
	require.NoError(t, appErr.Details(&s))
	require.Equal(t, workflows.StrandedFreeze{FreezeToken: token(workflows.StepFreeze), MemberID: "m-1", Points: 5}, s)
	require.Equal(t, workflows.StateAttention, parked.State)
	require.Equal(t, workflows.DecisionCancel, parked.Decision)
	require.Len(t, h.crm.calls(crm.OpRelease), 1, "a refusal is not retried")
	require.Equal(t, "frozen", h.crm.state(token(workflows.StepFreeze)), "the points stay frozen for a person")
}
