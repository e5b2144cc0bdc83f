package faults

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// A freeze or a consume applied by the CRM whose answer is lost, then
// refused on the next attempt (credentials rotated: 401; a conflict: 409;
// rights withdrawn: 403), against the sandbox's ledger on a real server:
// the refusal is never read as "nothing happened". The freeze is undone
// (FAILED with nothing frozen); the consume goes through (CONSUMED). Either
// way nothing stays frozen and every token has at most one effect.
func TestLostAnswerThenRefusal(t *testing.T) {
	t.Parallel()
	tp := testenv.StartTemporal(t)
	for _, op := range []string{crm.OpFreeze, crm.OpConsume} {
		for _, status := range []int{401, 409, 403} {
			t.Run(fmt.Sprintf("%s/%d", op, status), func(t *testing.T) {
				t.Parallel()
				crmSrv := startCountingCRM(t, sandbox.Config{})
				queue := fmt.Sprintf("kylin-ambiguous-%s-%d", op, status)
				testenv.RunWorker(t, tp, testenv.WorkerConfig(crmSrv.URL, queue), workerapp.Options{})
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				const member, points = "amb-member", 7.5
				_, err := crmSrv.Grant(ctx, member, "", 100)
				require.NoError(t, err)
				require.NoError(t, crmSrv.Script(
					sandbox.ScriptedFault{Op: op, Kind: sandbox.ScriptFailAfter},
					sandbox.ScriptedFault{Op: op, Kind: sandbox.ScriptRefuse, Status: status}))

				id := fmt.Sprintf("redeem-amb-%s-%d", op, status)
				run, err := testenv.StartRedemption(ctx, tp.Client, id, queue,
					workflows.RedemptionRequest{MemberID: member, Points: points, Description: "ambiguous answers", HoldSeconds: 600})
				require.NoError(t, err)
				st, err := testenv.WaitSettledFreeze(ctx, tp.Client, id)
				require.NoError(t, err)
				if op == crm.OpConsume {
					require.Equal(t, workflows.StateFrozen, st.State, st.Error)
					_, err = testenv.Decide(ctx, tp.Client, id, workflows.UpdateConfirm)
					require.NoError(t, err)
				}
				require.NoError(t, run.Get(ctx, &st))
				require.Zero(t, crmSrv.ScriptPending(), "both scripted faults were met")

				b, err := crmSrv.Balance(ctx, member)
				require.NoError(t, err)
				require.Zero(t, b.Frozen, "nothing stays frozen")
				if op == crm.OpFreeze {
					require.Equal(t, workflows.StateFailed, st.State)
					require.Contains(t, st.Error, "it was released, nothing stays frozen")
					require.Equal(t, 100.0, b.Available, "the freeze the lost answer hid was given back")
				} else {
					require.Equal(t, workflows.StateConsumed, st.State, st.Error)
					require.Equal(t, points, b.Consumed, "consumed once")
					require.Equal(t, 100-points, b.Available)
				}
				for _, step := range []string{workflows.StepFreeze, workflows.StepRelease, workflows.StepConsume} {
					entries, err := crmSrv.Entries(ctx, workflows.BusinessToken(id, step))
					require.NoError(t, err)
					require.LessOrEqual(t, len(entries), 1, "%s: at most one effect per token", step)
				}
				require.GreaterOrEqual(t, crmSrv.Calls(workflows.BusinessToken(id, op)), 2, "the lost answer and the refusal (then the answer under the token, or a release that shows the consume went through)")
				require.NoError(t, crmSrv.CheckInvariants(ctx))
			})
		}
	}
}
