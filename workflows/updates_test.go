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

// requireNotFrozen checks that an Update was rejected by its validator.
func requireNotFrozen(t *testing.T, u *updateOutcome, msg string) {
	t.Helper()
	require.Error(t, u.rejected, "the update must be rejected")
	require.False(t, u.completed, "a rejected update never runs")
	appErr, ok := errors.AsType[*temporal.ApplicationError](u.rejected)
	require.True(t, ok, "%v", u.rejected)
	require.Equal(t, workflows.ErrNotFrozen, appErr.Type())
	require.Contains(t, appErr.Error(), msg)
}

func requireAnswered(t *testing.T, u *updateOutcome, want workflows.State) {
	t.Helper()
	require.NoError(t, u.rejected)
	require.True(t, u.completed)
	require.NoError(t, u.err)
	require.Equal(t, want, u.status.State)
}

func TestUpdateRejectedWhileFreezing(t *testing.T) {
	t.Parallel()
	// The first freeze attempt fails; the retry runs at 1s.
	h := newHarness(t, testID, map[string]func(int) error{crm.OpFreeze: failFirst(1, transient(crm.OpFreeze))})
	early := h.update(workflows.UpdateConfirm, "early", 500*time.Millisecond)
	late := h.update(workflows.UpdateCancel, "late", time.Minute)
	st, err := h.redeem(redemptionRequest())
	require.NoError(t, err)
	requireNotFrozen(t, early, "cannot confirm: redemption is FREEZING")
	requireAnswered(t, late, workflows.StateReleased)
	require.Equal(t, workflows.DecisionCancel, st.Decision)
}

func TestRepeatOfWinnerGetsTheSameAnswerAndLoserIsRejected(t *testing.T) {
	t.Parallel()
	// The consume fails three times and succeeds at 1m07s, so the later
	// Updates arrive while the redemption is CONSUMING. (A repeat with the same
	// Update ID is deduplicated by Temporal itself.)
	h := newHarness(t, testID, map[string]func(int) error{crm.OpConsume: failFirst(3, transient(crm.OpConsume))})
	winner := h.update(workflows.UpdateConfirm, "c1", time.Minute)
	repeat := h.update(workflows.UpdateConfirm, "c2", time.Minute+2*time.Second)
	loser := h.update(workflows.UpdateCancel, "x1", time.Minute+4*time.Second)
	st, err := h.redeem(redemptionRequest())
	require.NoError(t, err)
	require.Equal(t, workflows.StateConsumed, st.State)
	for _, u := range []*updateOutcome{winner, repeat} {
		requireAnswered(t, u, workflows.StateConsumed)
		require.Equal(t, st, u.status)
	}
	requireNotFrozen(t, loser, "cannot cancel: redemption is CONSUMING, decided by confirm")
	require.Len(t, h.crm.calls(crm.OpRelease), 0)
}

func TestUpdatesRejectedAfterHoldTimeout(t *testing.T) {
	t.Parallel()
	// Hold 60s; the release fails twice and succeeds at 63s.
	h := newHarness(t, testID, map[string]func(int) error{crm.OpRelease: failFirst(2, transient(crm.OpRelease))})
	confirm := h.update(workflows.UpdateConfirm, "c1", 61*time.Second)
	cancel := h.update(workflows.UpdateCancel, "x1", 62*time.Second)
	req := redemptionRequest()
	req.HoldSeconds = 60
	st, err := h.redeem(req)
	require.NoError(t, err)
	require.Equal(t, workflows.StateReleased, st.State)
	require.Equal(t, workflows.DecisionHoldTimeout, st.Decision)
	requireNotFrozen(t, confirm, "cannot confirm: redemption is RELEASING, decided by hold-timeout")
	requireNotFrozen(t, cancel, "cannot cancel: redemption is RELEASING, decided by hold-timeout")
}

func TestConfirmAndCancelAtOnceOnlyOneWins(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testID, nil)
	confirm := h.update(workflows.UpdateConfirm, "c1", time.Minute)
	cancel := h.update(workflows.UpdateCancel, "x1", time.Minute)
	st, err := h.redeem(redemptionRequest())
	require.NoError(t, err)
	won := map[string]*updateOutcome{workflows.UpdateConfirm: confirm, workflows.UpdateCancel: cancel}
	for name, u := range won {
		if name == st.Decision {
			requireAnswered(t, u, st.State)
			continue
		}
		lost := u.rejected
		if lost == nil {
			lost = u.err // accepted together, refused by the handler
		}
		require.Error(t, lost, "%s must lose to %s", name, st.Decision)
		require.Equal(t, workflows.ErrNotFrozen, workflows.ErrorType(lost))
	}
}
