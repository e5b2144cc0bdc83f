package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestRedemptionOutcomes runs RedemptionWorkflow on the real server with the
// worker's own wiring against the sandbox, to each of its ends, and checks
// every end in the CRM's ledger as well as in the workflow's result.
func TestRedemptionOutcomes(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	taskQueue := testenv.UniqueName("redemption")
	testenv.RunWorker(t, tp, testenv.WorkerConfig(sb.URL, taskQueue), workerapp.Options{})

	tests := []struct {
		name            string
		granted, points float64
		holdSeconds     int64
		// update settles the FROZEN redemption; "" lets the hold run out.
		update   string
		want     workflows.State
		decision string
	}{
		{name: "confirm consumes", granted: 100, points: 12.5, update: workflows.UpdateConfirm,
			want: workflows.StateConsumed, decision: workflows.DecisionConfirm},
		{name: "cancel releases", granted: 100, points: 30, update: workflows.UpdateCancel,
			want: workflows.StateReleased, decision: workflows.DecisionCancel},
		{name: "hold timeout releases", granted: 100, points: 40, holdSeconds: 2,
			want: workflows.StateReleased, decision: workflows.DecisionHoldTimeout},
		{name: "not enough points fails with nothing frozen", granted: 10, points: 10.01,
			want: workflows.StateFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			member := testenv.Grant(ctx, t, sb.Server, tt.granted)
			id := testenv.UniqueName("redeem")
			req := workflows.RedemptionRequest{MemberID: member, Points: tt.points, Description: "e2e: " + tt.name,
				HoldSeconds: tt.holdSeconds}

			run, err := testenv.StartRedemption(ctx, tp.Client, id, taskQueue, req)
			require.NoError(t, err)
			st, err := testenv.WaitSettledFreeze(ctx, tp.Client, id)
			require.NoError(t, err)
			if tt.update != "" {
				require.Equal(t, workflows.StateFrozen, st.State, st.Error)
				testenv.RequireBalance(ctx, t, sb.Server, member, tt.granted, tt.granted-tt.points, tt.points, 0)
				st, err = testenv.Decide(ctx, tp.Client, id, tt.update)
				require.NoError(t, err)
				require.Equal(t, tt.want, st.State)
			}

			var final workflows.RedemptionStatus
			require.NoError(t, run.Get(ctx, &final))
			require.Equal(t, tt.want, final.State, final.Error)
			require.Equal(t, tt.decision, final.Decision)
			require.Equal(t, id, final.WorkflowID)
			require.Equal(t, member, final.MemberID)
			require.Equal(t, tt.points, final.Points)
			require.Equal(t, workflows.BusinessToken(id, workflows.StepFreeze), final.FreezeToken)
			if tt.want == workflows.StateFailed {
				require.Contains(t, final.Error, sandbox.CodePointNotEnough)
			} else {
				require.Empty(t, final.Error)
			}
			testenv.RequireSettled(ctx, t, sb.Server, id, member, tt.granted, tt.points, tt.want)
		})
	}
}
