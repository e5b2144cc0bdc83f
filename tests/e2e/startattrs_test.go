package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// Redeem gives a run's first search attributes at its start. A namespace
// without them (its worker runs with KYLIN_SEARCH_ATTRIBUTES=false) refuses
// such a start and starts nothing; Redeem then starts the run without them,
// and the redemption goes through as before.
func TestRedeemOnANamespaceWithoutTheSearchAttributes(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	ns, c := bareNamespace(t, tp)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	queue := testenv.UniqueName("bare-redeem")
	cfg := testenv.WorkerConfig(sb.URL, queue)
	cfg.Temporal.Namespace = ns
	cfg.Search.Enabled = false
	testenv.RunWorker(t, &testenv.Temporal{Server: tp.Server, Client: c}, cfg, workerapp.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	member, id := testenv.Grant(ctx, t, sb.Server, 100), testenv.UniqueName("bare-redeem")
	st, runID, err := workflows.Redeem(ctx, c, id, queue, workflows.RedemptionRequest{MemberID: member, Points: 4, Description: "bare", HoldSeconds: 600},
		workflows.WithMember(cfg.Search.MemberValue(member)))
	require.NoError(t, err)
	require.Equal(t, workflows.StateFrozen, st.State)
	require.NotEmpty(t, runID)
	d, err := c.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(t, err)
	require.NotContains(t, d.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields(), search.State.GetName(),
		"started without the attributes the namespace lacks")
	final, err := testenv.Decide(ctx, c, id, workflows.UpdateConfirm)
	require.NoError(t, err)
	require.Equal(t, workflows.StateConsumed, final.State)
}

// On a namespace with them, the run starts with its first attributes,
// member included, and they stay right once it is FROZEN.
func TestRedeemStartsWithItsFirstSearchAttributes(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	queue := testenv.UniqueName("start-attrs")
	cfg := testenv.WorkerConfig(sb.URL, queue)
	testenv.RunWorker(t, tp, cfg, workerapp.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	member, id := testenv.Grant(ctx, t, sb.Server, 100), testenv.UniqueName("start-attrs")
	_, _, err := workflows.Redeem(ctx, tp.Client, id, queue, workflows.RedemptionRequest{MemberID: member, Points: 4, Description: "attrs", HoldSeconds: 600},
		workflows.WithMember(cfg.Search.MemberValue(member)))
	require.NoError(t, err)
	d, err := tp.Client.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(t, err)
	fields := d.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	require.Contains(t, string(fields[search.State.GetName()].GetData()), "FROZEN")
	require.Contains(t, string(fields[search.Member.GetName()].GetData()), cfg.Search.MemberValue(member))
	_, err = testenv.Decide(ctx, tp.Client, id, workflows.UpdateCancel)
	require.NoError(t, err)
}
