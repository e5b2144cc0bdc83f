package cluster

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/nexus-rpc/sdk-go/nexus"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/kylinpoints/kylin-points/internal/nexusendpoint"
	"github.com/kylinpoints/kylin-points/pointsnexus"
	"github.com/kylinpoints/kylin-points/tests/internal/clusterkit"
	"github.com/kylinpoints/kylin-points/tests/internal/nexusprobe"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// Caller namespaces of TestNexusAuthorizerAdmitsOneCallerNamespace: the
// cluster's authorizer admits the first only.
const (
	admittedCaller = "orders"
	refusedCaller  = "intruder"
	callerQueue    = "callers"
)

// TestNexusAuthorizerAdmitsOneCallerNamespace runs the cluster with the
// authorizer a self-hosted operator runs for the kylin-points endpoint
// (temporalservice -nexus-callers, docs/security.md): Nexus requests of
// the endpoint are admitted from one caller namespace only. Every operation
// sent from another namespace the server refuses before any worker sees it;
// the admitted namespace redeems end to end.
func TestNexusAuthorizerAdmitsOneCallerNamespace(t *testing.T) {
	testenv.SkipIfShort(t, "a Temporal cluster on PostgreSQL")
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	pg := clusterkit.StartPostgres(t)
	cl := clusterkit.Start(t, pg, "-nexus-callers", admittedCaller)

	dir := t.TempDir()
	sb := testenv.StartSandboxProcess(t, dir, "-demo=false")
	c, err := testenv.DialTemporal(ctx, cl.Frontend, clusterkit.Namespace)
	require.NoError(t, err)
	defer c.Close()
	testenv.StartWorkerAt(t, testenv.Binary(t, "./worker"), cl.Frontend, clusterkit.Namespace, sb.URL, taskQueue, filepath.Join(dir, "worker.log"))
	require.NoError(t, testenv.WaitPoller(ctx, c, taskQueue))
	require.NoError(t, nexusendpoint.Ensure(ctx, c.OperatorService(), pointsnexus.EndpointName,
		nexusendpoint.Target{Namespace: clusterkit.Namespace, TaskQueue: taskQueue}))
	callers := map[string]client.Client{}
	for _, ns := range []string{admittedCaller, refusedCaller} {
		callers[ns] = testenv.AddNamespace(ctx, t, c, cl.Frontend, ns)
		w := worker.New(callers[ns], callerQueue, worker.Options{})
		w.RegisterWorkflow(nexusprobe.Workflow)
		require.NoError(t, w.Start())
		t.Cleanup(w.Stop)
	}
	const member = "cluster-nexus-member"
	_, err = sb.Admin().Grant(ctx, member, 100)
	require.NoError(t, err)
	probe := func(t *testing.T, ns string, in nexusprobe.Request) nexusprobe.Result {
		in.Endpoint = pointsnexus.EndpointName
		return nexusprobe.Run(ctx, t, callers[ns], callerQueue, in)
	}
	redeem := workflows.RedemptionRequest{MemberID: member, Points: 10, Description: "order on the cluster", HoldSeconds: 1}

	t.Run("the admitted namespace redeems end to end", func(t *testing.T) {
		got := probe(t, admittedCaller, nexusprobe.Request{Op: pointsnexus.OpRedeem, Key: "order-1", Redeem: redeem})
		require.Empty(t, got.HandlerError+got.ErrorType, got.Message+got.Reason)
		// Nobody decided within the hold: released, and the operation's
		// result came back through the completion callback.
		require.Equal(t, workflows.StateReleased, got.Status.State)
		require.Equal(t, workflows.DecisionHoldTimeout, got.Status.Decision)
		id, err := pointsnexus.RedemptionWorkflowID(admittedCaller, "order-1")
		require.NoError(t, err)
		require.Equal(t, id, got.Status.WorkflowID)
		missing := probe(t, admittedCaller, nexusprobe.Request{Op: pointsnexus.OpStatus, Key: "never-used"})
		require.Equal(t, string(nexus.HandlerErrorTypeNotFound), missing.HandlerError, "the handler answered: %+v", missing)
	})

	for _, op := range []string{pointsnexus.OpRedeem, pointsnexus.OpFreeze, pointsnexus.OpConfirm, pointsnexus.OpCancel,
		pointsnexus.OpStatus, pointsnexus.OpRelease, pointsnexus.OpConsume} {
		t.Run("another namespace's "+op+" is refused by the server", func(t *testing.T) {
			in := nexusprobe.Request{Op: op, Key: "order-1", Redeem: redeem,
				Freeze: workflows.FreezeRequest{MemberID: member, Points: 5, Description: "freeze on the cluster"}}
			got := probe(t, refusedCaller, in)
			require.Equal(t, string(nexus.HandlerErrorTypeUnauthorized), got.HandlerError, "%+v", got)
			require.Contains(t, got.Message, `caller namespace "intruder" may not call endpoint "kylin-points"`)
			require.Zero(t, got.Status)
			require.Zero(t, got.Settled)
		})
	}

	// Nothing of the refused namespace ran, and its calls moved no point.
	for _, id := range []func(string, string) (string, error){pointsnexus.RedemptionWorkflowID, pointsnexus.FreezeWorkflowID} {
		wid, err := id(refusedCaller, "order-1")
		require.NoError(t, err)
		_, err = c.DescribeWorkflow(ctx, wid, "")
		require.True(t, errors.As(err, new(*serviceerror.NotFound)), "%s: %v", wid, err)
	}
	b, err := sb.Admin().Balance(ctx, member)
	require.NoError(t, err)
	require.Equal(t, 100.0, b.Available)
	require.Zero(t, b.Frozen)
	require.Zero(t, b.Consumed)
}
