package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

// A refusal proves nothing by itself (an earlier request under the token may
// have been applied with its answer lost, and no attempt count can tell): a
// refused freeze is released under its own reference, after asking again
// under its token when the refusal was no business answer; a consume that
// did not go through is settled by what a release of the whole freeze says;
// a release or consume refused our credentials is retried, not given up; and
// only an answer that proves it decides, otherwise "may", for a person.
func TestAmbiguousAnswers(t *testing.T) {
	t.Parallel()
	type calls = map[string]int
	lostThen := func(op string, status int, code string) map[string]func(int) error {
		return map[string]func(int) error{op: sequence(errLost, rejected(op, status, code))}
	}
	confirm := func(h *harness) { h.update(workflows.UpdateConfirm, "u1", time.Minute) }
	cancel := func(h *harness) { h.update(workflows.UpdateCancel, "u1", time.Minute) }
	tests := []struct {
		name     string
		script   map[string]func(int) error
		act      func(h *harness)
		want     workflows.State
		decision string
		errHas   string
		calls    calls
		freeze   string // what became of the freeze at the CRM
		failure  string // the workflow's failure, when it fails
	}{
		// The freeze: applied, answer lost, then refused.
		{name: "freeze lost then 401 is undone", script: lostThen(crm.OpFreeze, 401, "UNAUTHORIZED"),
			want: workflows.StateFailed, errHas: "it was released, nothing stays frozen",
			calls: calls{crm.OpFreeze: 3, crm.OpRelease: 1}, freeze: "released"},
		{name: "freeze lost then 403 is undone", script: lostThen(crm.OpFreeze, 403, "FORBIDDEN"),
			want: workflows.StateFailed, errHas: "it was released", calls: calls{crm.OpFreeze: 3, crm.OpRelease: 1}, freeze: "released"},
		{name: "freeze lost then 409 is undone", script: lostThen(crm.OpFreeze, 409, "TOKEN_CONFLICT"),
			want: workflows.StateFailed, errHas: "it was released", calls: calls{crm.OpFreeze: 3, crm.OpRelease: 1}, freeze: "released"},
		{name: "freeze lost then gateway 404 is undone", script: lostThen(crm.OpFreeze, 404, ""),
			want: workflows.StateFailed, errHas: "it was refused (", calls: calls{crm.OpFreeze: 3, crm.OpRelease: 1}, freeze: "released"},
		{name: "freeze lost then refused for want of points (a CRM that forgot the token): released",
			script: lostThen(crm.OpFreeze, 200, "POINT_NOT_ENOUGH"),
			want:   workflows.StateFailed, errHas: "it was released, nothing stays frozen", calls: calls{crm.OpFreeze: 2, crm.OpRelease: 1}, freeze: "released"},
		{name: "freeze refused for want of points: the release finds nothing, FAILED at once",
			script: map[string]func(int) error{crm.OpFreeze: failFirst(9, rejected(crm.OpFreeze, 200, "POINT_NOT_ENOUGH"))},
			want:   workflows.StateFailed, errHas: "POINT_NOT_ENOUGH", calls: calls{crm.OpFreeze: 1, crm.OpRelease: 1}, freeze: ""},
		{name: "freeze failed before commit then 409: never applied, the CRM says so on release",
			script: map[string]func(int) error{crm.OpFreeze: sequence(transient(crm.OpFreeze), rejected(crm.OpFreeze, 409, "TOKEN_CONFLICT"), rejected(crm.OpFreeze, 409, "TOKEN_CONFLICT"))},
			want:   workflows.StateFailed, errHas: "the CRM holds no freeze under its token, nothing stays frozen",
			calls: calls{crm.OpFreeze: 3, crm.OpRelease: 1}, freeze: ""},
		{name: "recheck refused our credentials is retried until they work",
			script: map[string]func(int) error{crm.OpFreeze: sequence(errLost, rejected(crm.OpFreeze, 401, ""), rejected(crm.OpFreeze, 401, ""), rejected(crm.OpFreeze, 404, ""))},
			want:   workflows.StateFailed, errHas: "it was released", calls: calls{crm.OpFreeze: 5, crm.OpRelease: 1}, freeze: "released"},
		{name: "freeze refused 401 on what looks like its first request is no proof: asked again until answered, then released",
			script: map[string]func(int) error{crm.OpFreeze: failFirst(9, rejected(crm.OpFreeze, 401, "UNAUTHORIZED"))},
			want:   workflows.StateFailed, errHas: "it was released", calls: calls{crm.OpFreeze: 10, crm.OpRelease: 1}, freeze: "released"},

		// The consume: the decision stands.
		{name: "consume lost then 401 is retried", script: lostThen(crm.OpConsume, 401, "UNAUTHORIZED"), act: confirm,
			want: workflows.StateConsumed, decision: workflows.DecisionConfirm, calls: calls{crm.OpFreeze: 1, crm.OpConsume: 3}, freeze: "consumed"},
		{name: "consume lost then 403 is retried", script: lostThen(crm.OpConsume, 403, "FORBIDDEN"), act: confirm,
			want: workflows.StateConsumed, decision: workflows.DecisionConfirm, calls: calls{crm.OpFreeze: 1, crm.OpConsume: 3}, freeze: "consumed"},
		{name: "consume lost then 409: the release shows it went through", script: lostThen(crm.OpConsume, 409, "TOKEN_CONFLICT"), act: confirm,
			want: workflows.StateConsumed, decision: workflows.DecisionConfirm, errHas: "so the consume had been applied",
			calls: calls{crm.OpFreeze: 1, crm.OpConsume: 2, crm.OpRelease: 1}, freeze: "consumed"},
		{name: "consume failed before commit then 409: the release shows it did not", act: confirm,
			script: map[string]func(int) error{crm.OpConsume: sequence(transient(crm.OpConsume), rejected(crm.OpConsume, 409, "TOKEN_CONFLICT"))},
			want:   workflows.StateReleased, decision: workflows.DecisionConsumeRejected, errHas: "so the consume had not been applied",
			calls: calls{crm.OpFreeze: 1, crm.OpConsume: 2, crm.OpRelease: 1}, freeze: "released"},
		{name: "consume lost then 409, then the release refused: points may stay frozen, never 'stay frozen'", act: confirm,
			script: map[string]func(int) error{
				crm.OpConsume: sequence(errLost, rejected(crm.OpConsume, 409, "TOKEN_CONFLICT")),
				crm.OpRelease: failFirst(9, rejected(crm.OpRelease, 404, "")),
			},
			want: workflows.StateAttention, decision: workflows.DecisionConfirm, failure: "its points may stay frozen",
			calls: calls{crm.OpFreeze: 1, crm.OpConsume: 2, crm.OpRelease: 1}, freeze: "consumed"},
		{name: "consume lost then 409, then the release finds no freeze: may, never RELEASED", act: confirm,
			script: map[string]func(int) error{
				crm.OpConsume: sequence(errLost, rejected(crm.OpConsume, 409, "TOKEN_CONFLICT")),
				crm.OpRelease: failFirst(9, rejected(crm.OpRelease, 200, "FREEZE_NOT_FOUND")),
			},
			want: workflows.StateAttention, decision: workflows.DecisionConfirm, failure: "the consume may have taken the points",
			calls: calls{crm.OpFreeze: 1, crm.OpConsume: 2, crm.OpRelease: 1}, freeze: "consumed"},
		{name: "consume refused for good, the release goes through: RELEASED", act: confirm,
			script: map[string]func(int) error{crm.OpConsume: failFirst(9, rejected(crm.OpConsume, 200, "MEMBER_LOCKED"))},
			want:   workflows.StateReleased, decision: workflows.DecisionConsumeRejected, errHas: "so the consume had not been applied",
			calls: calls{crm.OpFreeze: 1, crm.OpConsume: 1, crm.OpRelease: 1}, freeze: "released"},

		// The release: the decision stands.
		{name: "release refused our credentials is retried", act: cancel,
			script: map[string]func(int) error{crm.OpRelease: failFirst(4, rejected(crm.OpRelease, 401, "UNAUTHORIZED"))},
			want:   workflows.StateReleased, decision: workflows.DecisionCancel, calls: calls{crm.OpFreeze: 1, crm.OpRelease: 5}, freeze: "released"},
		{name: "release lost then 409: may stay frozen", act: cancel, script: lostThen(crm.OpRelease, 409, "TOKEN_CONFLICT"),
			want: workflows.StateAttention, decision: workflows.DecisionCancel, failure: "could not be confirmed",
			calls: calls{crm.OpFreeze: 1, crm.OpRelease: 2}, freeze: "released"},
		{name: "release refused on what looks like its first request: may stay frozen", act: cancel,
			script: map[string]func(int) error{crm.OpRelease: failFirst(9, rejected(crm.OpRelease, 422, "MEMBER_LOCKED"))},
			want:   workflows.StateAttention, decision: workflows.DecisionCancel, failure: "its points may stay frozen",
			calls: calls{crm.OpFreeze: 1, crm.OpRelease: 1}, freeze: "frozen"},
		{name: "release finds no freeze after the freeze went through: may, never RELEASED", act: cancel,
			script: map[string]func(int) error{crm.OpRelease: failFirst(9, rejected(crm.OpRelease, 200, "FREEZE_NOT_FOUND"))},
			want:   workflows.StateAttention, decision: workflows.DecisionCancel, failure: "the CRM holds no freeze under token",
			calls: calls{crm.OpFreeze: 1, crm.OpRelease: 1}, freeze: "frozen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, tc.script)
			if tc.act != nil {
				tc.act(h)
			}
			st := h.redeemEnding(redemptionRequest(), tc.failure)
			require.Equal(t, tc.want, st.State, st.Error)
			require.Equal(t, tc.decision, st.Decision)
			require.Contains(t, st.Error, tc.errHas)
			for _, op := range []string{crm.OpFreeze, crm.OpRelease, crm.OpConsume} {
				calls := h.crm.calls(op)
				require.Len(t, calls, tc.calls[op], op)
				for _, tok := range calls {
					require.Equal(t, token(op), tok, "every %s carries the %s token", op, op)
					for _, req := range h.crm.requests(tok) {
						require.Equal(t, h.crm.requests(tok)[0], req, "every request under one token has one body")
					}
				}
			}
			require.Equal(t, tc.freeze, h.crm.state(token(workflows.StepFreeze)))
			if st.State == workflows.StateFailed {
				require.Zero(t, h.crm.held(token(workflows.StepFreeze)), "FAILED means nothing stays frozen")
			}
		})
	}
}

// redeemEnding runs the redemption to its end. With failure set, a release
// could not be carried out: the run must wait in ATTENTION for a person,
// saying so (never claiming the points certainly stay frozen: no refusal
// proves it), until a person resolves it; it returns the status while it
// waited. Otherwise it must complete.
func (h *harness) redeemEnding(req workflows.RedemptionRequest, failure string) workflows.RedemptionStatus {
	h.t.Helper()
	if failure == "" {
		st, err := h.redeem(req)
		require.NoError(h.t, err)
		return st
	}
	parked, resolve := h.resolveAt(24*time.Hour, "released by hand at the CRM", "ops@example")
	st, err := h.redeem(req)
	require.NoError(h.t, err)
	require.Equal(h.t, workflows.StateResolved, st.State, st.Error)
	require.True(h.t, resolve.completed)
	require.NoError(h.t, resolve.err)
	require.Equal(h.t, st, resolve.status, "resolve answers the final status")
	require.Equal(h.t, workflows.StateAttention, parked.State)
	a := parked.Attention
	require.NotNil(h.t, a)
	require.Contains(h.t, a.Why, failure)
	require.Contains(h.t, a.Why, token(workflows.StepFreeze))
	require.NotContains(h.t, a.Why, "its points stay frozen", "must not claim the points stay frozen")
	require.False(h.t, a.Certain)
	require.Equal(h.t, token(workflows.StepFreeze), a.FreezeToken)
	return *parked
}
