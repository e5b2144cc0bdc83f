// Package nexus tests the Nexus service "points" end to end: an order team's
// workflow in a second namespace, on its own task queue, calls the freeze,
// the redemption and its settlement through an endpoint, on a real
// in-process Temporal server, with the kylin-points worker against the CRM
// sandbox. The sandbox's ledger is the judge: one token per step.
package nexus

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/devstack"
	"github.com/kylinpoints/kylin-points/pointsnexus"
	"github.com/kylinpoints/kylin-points/tests/internal/nexusprobe"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// ordersNamespace and ordersQueue are the caller's: nothing of kylin-points
// runs there.
const (
	ordersNamespace = "orders"
	ordersQueue     = "orders"
)

// stack is the dev stack (server, sandbox, the worker serving the endpoint)
// with a second namespace and the order team's worker in it.
type stack struct {
	dev      *devstack.Stack
	sb       *sandbox.Server
	orders   client.Client
	endpoint string
}

func startStack(ctx context.Context, t *testing.T) *stack {
	t.Helper()
	dev := testenv.StartDevStack(ctx, t, devstack.Options{NoUI: true})
	orders := startCaller(ctx, t, dev, ordersNamespace)
	return &stack{dev: dev, sb: dev.Sandbox(), orders: orders, endpoint: devstack.NexusEndpoint}
}

// startCaller registers namespace ns on the stack's server, with a worker
// of the caller's workflows on ordersQueue, and returns its client.
func startCaller(ctx context.Context, t *testing.T, dev *devstack.Stack, ns string) client.Client {
	t.Helper()
	c := testenv.AddNamespace(ctx, t, dev.Client(), dev.TemporalAddr(), ns)
	w := worker.New(c, ordersQueue, worker.Options{})
	w.RegisterWorkflow(OrderWorkflow)
	w.RegisterWorkflow(FreezeOrderWorkflow)
	w.RegisterWorkflow(SettleOrderWorkflow)
	w.RegisterWorkflow(DecideOrderWorkflow)
	w.RegisterWorkflow(nexusprobe.Workflow)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return c
}

func (s *stack) startOrder(ctx context.Context, t *testing.T, in OrderRequest) client.WorkflowRun {
	t.Helper()
	in.Endpoint = s.endpoint
	run, err := s.orders.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "order-" + in.OrderID, TaskQueue: ordersQueue}, OrderWorkflow, in)
	require.NoError(t, err)
	return run
}

func TestNexus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startStack(ctx, t)

	t.Run("freeze then confirm consumes the points", func(t *testing.T) {
		// A slow freeze: the confirm arrives while the redemption is still
		// FREEZING, and the service holds it until FROZEN.
		s.sb.SetFaults(sandbox.Faults{Freeze: sandbox.FaultRates{Latency: 1, LatencyDuration: 2 * time.Second}})
		t.Cleanup(func() { s.sb.SetFaults(sandbox.Faults{}) })
		member := testenv.Grant(ctx, t, s.sb, 100)
		order := testenv.UniqueName("order")
		var res OrderResult
		require.NoError(t, s.startOrder(ctx, t, OrderRequest{OrderID: order, MemberID: member, Points: 30, Confirm: true}).Get(ctx, &res))

		id := redemptionID(t, ordersNamespace, order)
		require.Equal(t, workflows.StateConsumed, res.Final.State)
		require.Equal(t, workflows.DecisionConfirm, res.Final.Decision)
		require.Equal(t, id, res.Final.WorkflowID)
		require.Equal(t, workflows.BusinessToken(id, workflows.StepFreeze), res.Final.FreezeToken)
		require.Equal(t, workflows.BusinessToken(id, workflows.StepConsume), res.Final.ConsumeToken)
		t.Logf("confirm answered %s", res.Decided.State)
		// The confirm was accepted: it answers the end or the way there.
		require.Equal(t, workflows.DecisionConfirm, res.Decided.Decision)
		require.Contains(t, []workflows.State{workflows.StateConsuming, workflows.StateConsumed}, res.Decided.State)
		require.Equal(t, res.Final, res.Status, "the status operation answers the final status")
		testenv.RequireSettled(ctx, t, s.sb, id, member, 100, 30, workflows.StateConsumed)
		requireStartedShown(ctx, t, s.dev.Client(), id, 30)
	})

	t.Run("cancelling the caller releases the points", func(t *testing.T) {
		member := testenv.Grant(ctx, t, s.sb, 100)
		order := testenv.UniqueName("order")
		run := s.startOrder(ctx, t, OrderRequest{OrderID: order, MemberID: member, Points: 40})
		id := redemptionID(t, ordersNamespace, order)
		st, err := testenv.WaitSettledFreeze(ctx, s.dev.Client(), id)
		require.NoError(t, err)
		require.Equal(t, workflows.StateFrozen, st.State)
		testenv.RequireBalance(ctx, t, s.sb, member, 100, 60, 40, 0)

		require.NoError(t, s.orders.CancelWorkflow(ctx, run.GetID(), ""))
		var res OrderResult
		require.NoError(t, run.Get(ctx, &res), "the order ends with the redemption's result")
		require.Equal(t, workflows.StateReleased, res.Final.State)
		require.Equal(t, workflows.DecisionWorkflowCancelled, res.Final.Decision)
		require.Equal(t, res.Final, res.Status)
		testenv.RequireSettled(ctx, t, s.sb, id, member, 100, 40, workflows.StateReleased)
	})

	t.Run("a used key is refused; decisions after the end", func(t *testing.T) {
		member := testenv.Grant(ctx, t, s.sb, 100)
		order := testenv.UniqueName("order")
		var first OrderResult
		require.NoError(t, s.startOrder(ctx, t, OrderRequest{OrderID: order, MemberID: member, Points: 10, Confirm: true}).Get(ctx, &first))
		require.Equal(t, workflows.StateConsumed, first.Final.State)

		// Another order workflow, same business key: a new request, not a retry.
		in := OrderRequest{Endpoint: s.endpoint, OrderID: order, MemberID: member, Points: 10, Confirm: true}
		run, err := s.orders.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "order-again-" + order, TaskQueue: ordersQueue}, OrderWorkflow, in)
		require.NoError(t, err)
		err = run.Get(ctx, nil)
		require.Error(t, err)
		require.Equal(t, pointsnexus.ErrAlreadyStarted, pointsnexus.ErrorType(err), "%v", err)

		// After the end: a repeat of the confirm that won is answered, a
		// cancel is refused.
		decide := func(decision string) (workflows.RedemptionStatus, error) {
			in := DecideOrderRequest{Endpoint: s.endpoint, OrderID: order, Decision: decision}
			run, err := s.orders.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: decision + "-order-" + order, TaskQueue: ordersQueue}, DecideOrderWorkflow, in)
			require.NoError(t, err)
			var st workflows.RedemptionStatus
			return st, run.Get(ctx, &st)
		}
		again, err := decide(pointsnexus.OpConfirm)
		require.NoError(t, err)
		require.Equal(t, first.Final, again)
		_, err = decide(pointsnexus.OpCancel)
		require.Equal(t, workflows.ErrNotFrozen, pointsnexus.ErrorType(err), "%v", err)
		require.ErrorContains(t, err, "decided by confirm")
		testenv.RequireSettled(ctx, t, s.sb, redemptionID(t, ordersNamespace, order), member, 100, 10, workflows.StateConsumed)
	})

	t.Run("the freeze step alone, then its settlement", func(t *testing.T) {
		for _, tc := range []struct {
			settle                         string
			consume                        float64
			state                          workflows.State
			available, frozen, consumed    float64
			releaseEntries, consumeEntries int
		}{
			{settle: "", available: 75, frozen: 25},
			{settle: pointsnexus.OpRelease, state: workflows.StateReleased, available: 100, releaseEntries: 1},
			{settle: pointsnexus.OpConsume, state: workflows.StateConsumed, available: 75, consumed: 25, consumeEntries: 1},
			{settle: pointsnexus.OpConsume, consume: 10, state: workflows.StateConsumed, available: 90, consumed: 10, releaseEntries: 1, consumeEntries: 1},
		} {
			name := "freeze only"
			if tc.settle != "" {
				name = tc.settle + " " + crm.FormatPoints(tc.consume)
			}
			t.Run(name, func(t *testing.T) {
				member := testenv.Grant(ctx, t, s.sb, 100)
				order := testenv.UniqueName("order")
				in := FreezeOrderRequest{Endpoint: s.endpoint, OrderID: order, MemberID: member, Points: 25, Settle: tc.settle, ConsumePoints: tc.consume}
				run, err := s.orders.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "freeze-order-" + order, TaskQueue: ordersQueue}, FreezeOrderWorkflow, in)
				require.NoError(t, err)
				var res FreezeOrderResult
				require.NoError(t, run.Get(ctx, &res))

				freezeID := freezeWorkflowID(t, ordersNamespace, order)
				token := workflows.BusinessToken(freezeID, workflows.StepFreeze)
				require.Equal(t, token, res.Freeze.FreezeToken)
				require.Equal(t, freezeID, res.Freeze.WorkflowID)
				requireStartedShown(ctx, t, s.dev.Client(), freezeID, 25)
				if tc.settle != "" {
					// The freeze's one settlement, as the starter would start it.
					_, err := s.dev.Client().DescribeWorkflow(ctx, workflows.SettlementID(freezeID), "")
					require.NoError(t, err, "settled as %s", workflows.SettlementID(freezeID))
				}
				require.Equal(t, tc.state, res.Settled.State)
				testenv.RequireBalance(ctx, t, s.sb, member, 100, tc.available, tc.frozen, tc.consumed)
				for step, want := range map[string]int{workflows.StepFreeze: 1, workflows.StepRelease: tc.releaseEntries, workflows.StepConsume: tc.consumeEntries} {
					entries, err := s.sb.Entries(ctx, workflows.BusinessToken(freezeID, step))
					require.NoError(t, err)
					require.Len(t, entries, want, "entries under the %s token", step)
				}
				require.NoError(t, s.sb.CheckInvariants(ctx))
			})
		}
	})

	t.Run("a freeze is settled once", func(t *testing.T) {
		member := testenv.Grant(ctx, t, s.sb, 100)
		order := testenv.UniqueName("order")
		in := FreezeOrderRequest{Endpoint: s.endpoint, OrderID: order, MemberID: member, Points: 5, Settle: pointsnexus.OpRelease}
		run, err := s.orders.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "freeze-order-" + order, TaskQueue: ordersQueue}, FreezeOrderWorkflow, in)
		require.NoError(t, err)
		require.NoError(t, run.Get(ctx, nil))
		// A consume of the same key, from another workflow: refused.
		again := SettleOrderRequest{Endpoint: s.endpoint, OrderID: order, Settle: pointsnexus.OpConsume}
		run, err = s.orders.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "settle-order-" + order, TaskQueue: ordersQueue}, SettleOrderWorkflow, again)
		require.NoError(t, err)
		err = run.Get(ctx, nil)
		require.Equal(t, pointsnexus.ErrAlreadyStarted, pointsnexus.ErrorType(err), "%v", err)
		testenv.RequireBalance(ctx, t, s.sb, member, 100, 100, 0, 0)
	})
}

// redemptionID is the workflow ID of caller's redemption with key.
func redemptionID(t *testing.T, caller, key string) string {
	t.Helper()
	id, err := pointsnexus.RedemptionWorkflowID(caller, key)
	require.NoError(t, err)
	return id
}

// freezeWorkflowID is the workflow ID of caller's freeze with key.
func freezeWorkflowID(t *testing.T, caller, key string) string {
	t.Helper()
	id, err := pointsnexus.FreezeWorkflowID(caller, key)
	require.NoError(t, err)
	return id
}
