package testenv

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/workflows"
)

// UniqueName gives each test its own workflow IDs, task queues and members
// on a shared server and sandbox: prefix and 8 random hex digits.
func UniqueName(prefix string) string { return prefix + "-" + uuid.NewString()[:8] }

// Grant creates a member holding points in the sandbox and returns its ID.
func Grant(ctx context.Context, t testing.TB, sb *sandbox.Server, points float64) string {
	t.Helper()
	member := UniqueName("member")
	_, err := sb.Grant(ctx, member, "", points)
	require.NoError(t, err)
	return member
}

// RequireBalance checks a member's account in the sandbox.
func RequireBalance(ctx context.Context, t testing.TB, sb *sandbox.Server, member string, granted, available, frozen, consumed float64) {
	t.Helper()
	got, err := sb.Balance(ctx, member)
	require.NoError(t, err)
	require.Equal(t, sandbox.Balance{MemberID: member, MemberType: crm.DefaultMemberType,
		Available: available, Frozen: frozen, Consumed: consumed, Granted: granted}, got)
}

// RequireSettled checks, in the sandbox's ledger rather than in what the
// workflow says, that redemption workflowID of points from a member granted
// granted points ended as end: the member's account, the effect under each
// step's business token, the freeze's settlement and the ledger's invariants.
func RequireSettled(ctx context.Context, t testing.TB, sb *sandbox.Server, workflowID, member string, granted, points float64, end workflows.State) {
	t.Helper()
	effects := func(step string) []sandbox.Entry {
		entries, err := sb.Entries(ctx, workflows.BusinessToken(workflowID, step))
		require.NoError(t, err)
		return entries
	}
	freezeToken := workflows.BusinessToken(workflowID, workflows.StepFreeze)
	freezes, releases, consumes := effects(workflows.StepFreeze), effects(workflows.StepRelease), effects(workflows.StepConsume)

	switch end {
	case workflows.StateConsumed:
		RequireBalance(ctx, t, sb, member, granted, granted-points, 0, points)
		requireEffect(t, freezes, crm.OpFreeze, member, points, "")
		requireEffect(t, consumes, crm.OpConsume, member, points, freezeToken)
		require.Empty(t, releases, "a consumed redemption releases nothing")
		requireFreeze(ctx, t, sb, freezeToken, sandbox.Freeze{Token: freezeToken, MemberID: member, Points: points, Consumed: points})
	case workflows.StateReleased:
		RequireBalance(ctx, t, sb, member, granted, granted, 0, 0)
		requireEffect(t, freezes, crm.OpFreeze, member, points, "")
		requireEffect(t, releases, crm.OpRelease, member, points, freezeToken)
		require.Empty(t, consumes, "a released redemption consumes nothing")
		requireFreeze(ctx, t, sb, freezeToken, sandbox.Freeze{Token: freezeToken, MemberID: member, Points: points, Released: points})
	case workflows.StateFailed:
		RequireBalance(ctx, t, sb, member, granted, granted, 0, 0)
		require.Empty(t, freezes, "a failed redemption freezes nothing")
		require.Empty(t, releases)
		require.Empty(t, consumes)
		rec, err := sb.Record(ctx, freezeToken)
		require.NoError(t, err)
		require.NotNil(t, rec, "the CRM must have answered the freeze")
		require.Equal(t, sandbox.StatusRejected, rec.Status)
		requireFreeze(ctx, t, sb, freezeToken, sandbox.Freeze{})
	default:
		t.Fatalf("RequireSettled: %s is not an end state", end)
	}
	require.NoError(t, sb.CheckInvariants(ctx))
}

// requireEffect checks that a token made exactly one ledger entry.
func requireEffect(t testing.TB, entries []sandbox.Entry, op, member string, points float64, freezeToken string) {
	t.Helper()
	require.Len(t, entries, 1, "one %s effect: %+v", op, entries)
	e := entries[0]
	require.Equal(t, op, e.Op)
	require.Equal(t, member, e.MemberID)
	require.Equal(t, points, e.Points)
	require.Equal(t, freezeToken, e.FreezeToken)
}

// requireFreeze checks the sandbox's view of one freeze; the zero Freeze
// means no freeze was applied under token.
func requireFreeze(ctx context.Context, t testing.TB, sb *sandbox.Server, token string, want sandbox.Freeze) {
	t.Helper()
	all, err := sb.Freezes(ctx)
	require.NoError(t, err)
	var got sandbox.Freeze
	for _, f := range all {
		if f.Token == token {
			got = f
		}
	}
	require.Equal(t, want, got)
}
