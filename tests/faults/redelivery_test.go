package faults

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// freezeLatency holds every freeze in the sandbox long enough to SIGKILL the
// worker that sent it; the sandbox applies it afterwards all the same.
const freezeLatency = 3 * time.Second

// TestWorkerKilledAfterTheCRMApplied runs the worker binary, lets its freeze
// reach the CRM, SIGKILLs the worker before the CRM answers, and waits for
// the CRM to apply the freeze. A new worker retries the activity once its
// attempt times out: the retry carries the same token, the CRM replays its
// first answer, and the ledger shows one effect.
func TestWorkerKilledAfterTheCRMApplied(t *testing.T) {
	t.Parallel()
	tp := testenv.StartTemporal(t)
	crmSrv := startCountingCRM(t, sandbox.Config{Faults: sandbox.Faults{
		Freeze: sandbox.FaultRates{Latency: 1, LatencyDuration: freezeLatency},
	}})
	const taskQueue = "kylin-redelivery"
	logPath := filepath.Join(t.TempDir(), "worker.log")
	worker := testenv.StartWorkerProcess(t, tp, crmSrv.URL, taskQueue, logPath)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const member, points = "redelivery-member", 7.25
	_, err := crmSrv.Grant(ctx, member, "", 50)
	require.NoError(t, err)
	id := "redeem-redelivery-1"
	freezeToken := workflows.BusinessToken(id, workflows.StepFreeze)
	_, err = testenv.StartRedemption(ctx, tp.Client, id, taskQueue,
		workflows.RedemptionRequest{MemberID: member, Points: points, Description: "redelivery test", HoldSeconds: 600})
	require.NoError(t, err)

	require.Eventually(t, func() bool { return crmSrv.Calls(freezeToken) == 1 }, time.Minute, 10*time.Millisecond,
		"the freeze reaches the CRM")
	rec, err := crmSrv.Record(ctx, freezeToken)
	require.NoError(t, err)
	require.Nil(t, rec, "the CRM holds the freeze, not yet applied")
	worker.Kill()
	require.Eventually(t, func() bool {
		rec, err := crmSrv.Record(ctx, freezeToken)
		return err == nil && rec != nil
	}, 2*freezeLatency, 20*time.Millisecond, "the CRM applies the freeze after its caller died")
	b, err := crmSrv.Balance(ctx, member)
	require.NoError(t, err)
	require.Equal(t, points, b.Frozen, "frozen while no worker knows it")

	crmSrv.SetFaults(sandbox.Faults{})
	testenv.StartWorkerProcess(t, tp, crmSrv.URL, taskQueue, logPath)
	st, err := testenv.WaitSettledFreeze(ctx, tp.Client, id)
	require.NoError(t, err)
	require.Equal(t, workflows.StateFrozen, st.State)
	require.Equal(t, 2, crmSrv.Calls(freezeToken), "the retry called the CRM again")
	require.EqualValues(t, 1, crmSrv.Stats().Calls[crm.OpFreeze]["replayed"], "and was answered from the record")
	require.Equal(t, []int32{2}, activityStarts(history(ctx, t, tp.Client, id, ""), activities.FreezeName),
		"the freeze completed on its second attempt")

	st, err = testenv.Decide(ctx, tp.Client, id, workflows.UpdateCancel)
	require.NoError(t, err)
	require.Equal(t, workflows.StateReleased, st.State)
	entries, err := crmSrv.Entries(ctx, freezeToken)
	require.NoError(t, err)
	require.Len(t, entries, 1, "one freeze effect")
	b, err = crmSrv.Balance(ctx, member)
	require.NoError(t, err)
	require.Equal(t, sandbox.Balance{MemberID: member, MemberType: crm.DefaultMemberType, Available: 50, Granted: 50}, b)
	require.NoError(t, crmSrv.CheckInvariants(ctx))
}
