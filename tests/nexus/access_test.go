package nexus

import (
	"context"
	"testing"
	"time"

	"github.com/nexus-rpc/sdk-go/nexus"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/internal/devstack"
	"github.com/kylinpoints/kylin-points/pointsnexus"
	"github.com/kylinpoints/kylin-points/tests/internal/nexusprobe"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// intruderNamespace is a second caller namespace the endpoint admits: it
// must reach none of the orders namespace's runs, nor the starter's.
const intruderNamespace = "intruder"

// probe runs nexusprobe.Workflow in the namespace of c and returns its answer.
func (s *stack) probe(ctx context.Context, t *testing.T, c client.Client, in nexusprobe.Request) nexusprobe.Result {
	t.Helper()
	in.Endpoint = s.endpoint
	return nexusprobe.Run(ctx, t, c, ordersQueue, in)
}

// TestNexusCallersReachOnlyTheirOwnRuns sends, from caller namespaces the
// endpoint admits, every operation that names an existing run it did not
// start: the starter's redemption and freeze (redeem-<orderId>,
// freeze-<orderId>), and another namespace's. Each is answered exactly as
// for a key nobody used, says nothing of the run (no member, no tokens),
// and changes nothing on the ledger; the namespace that started a run still
// reaches it. Body values outside the worker's allow-list are refused before
// any CRM call.
func TestNexusCallersReachOnlyTheirOwnRuns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := startStack(ctx, t)
	intruder := startCaller(ctx, t, s.dev, intruderNamespace)
	kylin := s.dev.Client()
	member := testenv.Grant(ctx, t, s.sb, 100)

	// The starter's redemption and freeze, under the IDs the README
	// recommends, named by a key any caller can guess.
	starterKey := testenv.UniqueName("order")
	starterRedemption := "redeem-" + starterKey
	st, _, err := workflows.Redeem(ctx, kylin, starterRedemption, devstack.TaskQueue,
		workflows.RedemptionRequest{MemberID: member, Points: 10, Description: "starter's order", HoldSeconds: 600})
	require.NoError(t, err)
	require.Equal(t, workflows.StateFrozen, st.State)
	starterFreeze, _, err := workflows.Freeze(ctx, kylin, "freeze-"+starterKey, devstack.TaskQueue,
		workflows.FreezeRequest{MemberID: member, Points: 5, Description: "starter's freeze"})
	require.NoError(t, err)

	// The orders namespace's redemption (FROZEN, its order waiting) and freeze.
	ordersKey := testenv.UniqueName("order")
	order := s.startOrder(ctx, t, OrderRequest{OrderID: ordersKey, MemberID: member, Points: 20})
	ordersRedemption := redemptionID(t, ordersNamespace, ordersKey)
	st, err = testenv.WaitSettledFreeze(ctx, kylin, ordersRedemption)
	require.NoError(t, err)
	require.Equal(t, workflows.StateFrozen, st.State)
	ordersFreeze := s.probe(ctx, t, s.orders, nexusprobe.Request{Op: pointsnexus.OpFreeze, Key: ordersKey,
		Freeze: workflows.FreezeRequest{MemberID: member, Points: 15, Description: "orders' freeze"}})
	require.Empty(t, ordersFreeze.HandlerError+ordersFreeze.ErrorType, ordersFreeze.Reason)
	testenv.RequireBalance(ctx, t, s.sb, member, 100, 50, 50, 0)

	unused := testenv.UniqueName("never-used")
	callers := map[string]client.Client{ordersNamespace: s.orders, intruderNamespace: intruder}
	tests := []struct {
		name   string
		caller string
		op     string
		key    string
	}{
		{"confirm the starter's redeem-<orderId>", ordersNamespace, pointsnexus.OpConfirm, starterKey},
		{"cancel the starter's redeem-<orderId>", ordersNamespace, pointsnexus.OpCancel, starterKey},
		{"read the starter's redeem-<orderId>", ordersNamespace, pointsnexus.OpStatus, starterKey},
		{"release the starter's freeze-<orderId>", ordersNamespace, pointsnexus.OpRelease, starterKey},
		{"consume the starter's freeze-<orderId>", ordersNamespace, pointsnexus.OpConsume, starterKey},
		{"confirm another namespace's redemption", intruderNamespace, pointsnexus.OpConfirm, ordersKey},
		{"cancel another namespace's redemption", intruderNamespace, pointsnexus.OpCancel, ordersKey},
		{"read another namespace's redemption", intruderNamespace, pointsnexus.OpStatus, ordersKey},
		{"release another namespace's freeze", intruderNamespace, pointsnexus.OpRelease, ordersKey},
		{"consume another namespace's freeze", intruderNamespace, pointsnexus.OpConsume, ordersKey},
		{"read the starter's run from the other namespace", intruderNamespace, pointsnexus.OpStatus, starterKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := callers[tc.caller]
			got := s.probe(ctx, t, c, nexusprobe.Request{Op: tc.op, Key: tc.key})
			nobody := s.probe(ctx, t, c, nexusprobe.Request{Op: tc.op, Key: unused})
			require.Equal(t, string(nexus.HandlerErrorTypeNotFound), got.HandlerError, "%+v", got)
			require.Equal(t, nobody.HandlerError, got.HandlerError, "the answer for a key nobody used")
			require.Equal(t, nobody.Message, got.Message, "the answer for a key nobody used")
			require.Zero(t, got.Status, "no status: no member, description or tokens")
			require.Zero(t, got.Settled)
			require.NotContains(t, got.Message+got.Reason, member)
		})
	}

	// Nothing moved: both redemptions FROZEN and undecided, both freezes held.
	for _, id := range []string{starterRedemption, ordersRedemption} {
		st, err := testenv.Status(ctx, kylin, id)
		require.NoError(t, err)
		require.Equal(t, workflows.StateFrozen, st.State, id)
		require.Empty(t, st.Decision, id)
	}
	testenv.RequireBalance(ctx, t, s.sb, member, 100, 50, 50, 0)

	t.Run("the namespace that started a run reaches it", func(t *testing.T) {
		status := s.probe(ctx, t, s.orders, nexusprobe.Request{Op: pointsnexus.OpStatus, Key: ordersKey})
		require.Empty(t, status.HandlerError, status.Message)
		require.Equal(t, ordersRedemption, status.Status.WorkflowID)
		require.Equal(t, member, status.Status.MemberID)
		confirmed := s.probe(ctx, t, s.orders, nexusprobe.Request{Op: pointsnexus.OpConfirm, Key: ordersKey})
		require.Empty(t, confirmed.HandlerError+confirmed.ErrorType, confirmed.Reason)
		var res OrderResult
		require.NoError(t, order.Get(ctx, &res))
		require.Equal(t, workflows.StateConsumed, res.Final.State)
		released := s.probe(ctx, t, s.orders, nexusprobe.Request{Op: pointsnexus.OpRelease, Key: ordersKey})
		require.Empty(t, released.HandlerError+released.ErrorType, released.Reason)
		require.Equal(t, workflows.StateReleased, released.Settled.State)
	})

	t.Run("the starter still reaches its own", func(t *testing.T) {
		st, _, err := workflows.Decide(ctx, kylin, starterRedemption, workflows.UpdateCancel, 0)
		require.NoError(t, err)
		require.Equal(t, workflows.StateReleased, st.State)
		run, err := kylin.ExecuteWorkflow(ctx, workflows.StartOptions(workflows.SettlementID(starterFreeze.WorkflowID), devstack.TaskQueue, ""),
			workflows.ReleasePointsWorkflowName, workflows.SettleRequest{Freeze: starterFreeze})
		require.NoError(t, err)
		require.NoError(t, run.Get(ctx, nil))
		testenv.RequireBalance(ctx, t, s.sb, member, 100, 80, 0, 20)
	})

	t.Run("body values the worker does not list are refused before any CRM call", func(t *testing.T) {
		other := testenv.Grant(ctx, t, s.sb, 100)
		freezesBefore := freezeCalls(s)
		for _, tc := range []struct {
			name string
			body workflows.Body
		}{
			{"memberType", workflows.Body{MemberType: "vip-brand"}},
			{"channelType", workflows.Body{ChannelType: "POS"}},
			{"pointBizType", workflows.Body{PointBizType: "BONUS"}},
		} {
			t.Run("redeem, "+tc.name, func(t *testing.T) {
				key := testenv.UniqueName("order")
				got := s.probe(ctx, t, s.orders, nexusprobe.Request{Op: pointsnexus.OpRedeem, Key: key,
					Redeem: workflows.RedemptionRequest{MemberID: other, Points: 5, Description: "unlisted body", Body: tc.body}})
				require.Equal(t, workflows.StateFailed, got.Status.State, "%+v", got)
				require.Contains(t, got.Status.Error, tc.name+" ")
				require.Contains(t, got.Status.Error, "refused before any CRM call")
				entries, err := s.sb.Entries(ctx, got.Status.FreezeToken)
				require.NoError(t, err)
				require.Empty(t, entries)
			})
			t.Run("freeze, "+tc.name, func(t *testing.T) {
				key := testenv.UniqueName("order")
				got := s.probe(ctx, t, s.orders, nexusprobe.Request{Op: pointsnexus.OpFreeze, Key: key,
					Freeze: workflows.FreezeRequest{MemberID: other, Points: 5, Description: "unlisted body", Body: tc.body}})
				require.Equal(t, activities.ErrInvalidInput, got.ErrorType, "%+v", got)
				require.Contains(t, got.Reason, tc.name+" ")
				require.Contains(t, got.Reason, "refused before any CRM call")
				token := workflows.BusinessToken(freezeWorkflowID(t, ordersNamespace, key), workflows.StepFreeze)
				entries, err := s.sb.Entries(ctx, token)
				require.NoError(t, err)
				require.Empty(t, entries)
			})
		}
		testenv.RequireBalance(ctx, t, s.sb, other, 100, 100, 0, 0)
		require.Equal(t, freezesBefore, freezeCalls(s), "no freeze reached the CRM")
	})
}

// freezeCalls counts the freeze requests the sandbox has seen, whatever
// their outcome.
func freezeCalls(s *stack) int64 {
	var n int64
	for _, c := range s.sb.Stats().Calls["freeze"] {
		n += c
	}
	return n
}
