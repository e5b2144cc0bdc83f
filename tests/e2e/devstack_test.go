package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/devstack"
	"github.com/kylinpoints/kylin-points/workflows"
)

// freeAddr asks the dev stack for a free loopback port.
const freeAddr = "127.0.0.1:0"

// TestDevStack brings up what `go run ./dev` runs, in memory on free ports,
// runs the demo to CONSUMED, checks it in the sandbox's ledger, reads it back
// with the starter binary as the stack's ready block tells users to, and
// fetches the Web UI's root and the demo run's page.
func TestDevStack(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stack, err := devstack.Start(ctx, devstack.Options{
		Memory: true, TemporalAddr: freeAddr, UIAddr: freeAddr, SandboxAddr: freeAddr,
	})
	require.NoError(t, err)
	t.Cleanup(stack.Stop)
	before, err := stack.Sandbox().Balance(ctx, devstack.DemoMember)
	require.NoError(t, err)

	var out strings.Builder
	st, err := stack.RunDemo(ctx, &out)
	require.NoError(t, err, out.String())
	require.Equal(t, workflows.StateConsumed, st.State)
	require.Equal(t, devstack.DemoMember, st.MemberID)
	require.Equal(t, float64(devstack.DemoPoints), st.Points)

	after, err := stack.Sandbox().Balance(ctx, devstack.DemoMember)
	require.NoError(t, err)
	require.Equal(t, before.Available-devstack.DemoPoints, after.Available)
	require.Equal(t, before.Consumed+devstack.DemoPoints, after.Consumed)
	require.Equal(t, before.Frozen, after.Frozen)
	consumes, err := stack.Sandbox().Entries(ctx, workflows.BusinessToken(st.WorkflowID, workflows.StepConsume))
	require.NoError(t, err)
	require.Len(t, consumes, 1)
	require.Equal(t, crm.OpConsume, consumes[0].Op)
	require.Equal(t, st.FreezeToken, consumes[0].FreezeToken)
	require.NoError(t, stack.Sandbox().CheckInvariants(ctx))

	starter := newCLI(t, stack.TemporalAddr(), devstack.Namespace, devstack.TaskQueue)
	r, _ := starter.runJSON(ctx, t, 0, "status", "--id", st.WorkflowID)
	require.Equal(t, string(workflows.StateConsumed), r.State)
	require.Equal(t, st.FreezeToken, r.FreezeToken)

	desc, err := stack.Client().DescribeWorkflowExecution(ctx, st.WorkflowID, "")
	require.NoError(t, err)
	runID := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	require.Contains(t, strings.ToLower(getPage(ctx, t, stack.UIURL()+"/")), "<!doctype html>")
	require.Contains(t, strings.ToLower(getPage(ctx, t, stack.RunURL(st.WorkflowID, runID))), "<!doctype html>",
		"the Web UI serves its app at the demo run's link")
}

// getPage fetches url and requires 200.
func getPage(ctx context.Context, t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	return string(body)
}
