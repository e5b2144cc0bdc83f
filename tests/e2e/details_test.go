package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdkpb "go.temporal.io/api/sdk/v1"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// The Web UI shows what a run waits for: its current details, which the
// UI reads with the SDK's metadata query.
func TestCurrentDetailsOnARealServer(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	queue := testenv.UniqueName("details")
	testenv.RunWorker(t, tp, testenv.WorkerConfig(sb.URL, queue), workerapp.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	member, id := testenv.Grant(ctx, t, sb.Server, 100), testenv.UniqueName("details")
	st, _, err := workflows.Redeem(ctx, tp.Client, id, queue, workflows.RedemptionRequest{MemberID: member, Points: 4, Description: "details", HoldSeconds: 600})
	require.NoError(t, err)
	require.Equal(t, workflows.StateFrozen, st.State)
	v, err := tp.Client.QueryWorkflow(ctx, id, "", "__temporal_workflow_metadata")
	require.NoError(t, err)
	var md sdkpb.WorkflowMetadata
	require.NoError(t, v.Get(&md))
	require.Contains(t, md.GetCurrentDetails(), "FROZEN: 4 points of member "+member+" held for confirm/cancel until ")
	_, err = testenv.Decide(ctx, tp.Client, id, workflows.UpdateCancel)
	require.NoError(t, err)
}
