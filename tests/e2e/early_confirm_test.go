package e2e

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/startercli"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestConfirmWhileFreezing sends confirm while the CRM is still answering the
// freeze: the Update is refused as not FROZEN where it is validated, and the
// starter must wait for the freeze to settle and confirm then, not give up.
func TestConfirmWhileFreezing(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	sb.SetFaults(sandbox.Faults{Freeze: sandbox.FaultRates{Latency: 1, LatencyDuration: 2 * time.Second}})
	taskQueue := testenv.UniqueName("early-confirm")
	testenv.RunWorker(t, tp, testenv.WorkerConfig(sb.URL, taskQueue), workerapp.Options{})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	member := testenv.Grant(ctx, t, sb.Server, 100)
	id := testenv.UniqueName("redeem")
	_, err := testenv.StartRedemption(ctx, tp.Client, id, taskQueue,
		workflows.RedemptionRequest{MemberID: member, Points: 7, Description: "e2e: confirm while freezing"})
	require.NoError(t, err)
	st, err := testenv.Status(ctx, tp.Client, id)
	require.NoError(t, err)
	require.Equal(t, workflows.StateFreezing, st.State, "the test must confirm before the freeze settles")

	var stdout, stderr bytes.Buffer
	app := &startercli.App{Client: tp.Client, Namespace: tp.Namespace(), TaskQueue: taskQueue,
		UIURL: "http://localhost:8233", Stdout: &stdout, Stderr: &stderr}
	code := app.Run(ctx, []string{"confirm", "--id", id})
	require.Equal(t, startercli.ExitOK, code, "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	require.Contains(t, stdout.String(), "CONSUMED")
	testenv.RequireBalance(ctx, t, sb.Server, member, 100, 93, 0, 7)
}
