package e2e

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/devstack"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestDevStack brings up what `go run ./dev` runs, in memory on free ports,
// runs the demo to CONSUMED with its line per state, checks it in the
// sandbox's ledger, reads it back and lists it by member with the starter
// binary as the stack's ready block tells users to, fetches the Web UI's root, its list and the
// demo run's page, and stops the stack.
func TestDevStack(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var progress strings.Builder
	stack := testenv.StartDevStack(ctx, t, devstack.Options{Progress: &progress})
	require.NotEqual(t, devstack.DefaultTemporalAddr, stack.TemporalAddr(), "port 0 must pick a free port")
	before, err := stack.Sandbox().Balance(ctx, devstack.DemoMember)
	require.NoError(t, err)

	var out strings.Builder
	st, err := stack.RunDemo(ctx, &out)
	require.NoError(t, err, out.String())
	require.Equal(t, workflows.StateConsumed, st.State)
	require.Equal(t, devstack.DemoMember, st.MemberID)
	require.Equal(t, float64(devstack.DemoPoints), st.Points)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3, out.String())
	for i, state := range []workflows.State{workflows.StateFreezing, workflows.StateFrozen, workflows.StateConsumed} {
		require.Contains(t, lines[i], string(state))
		require.Contains(t, lines[i], st.WorkflowID)
		if i > 0 { // the run and its link exist once redeem has answered
			require.Contains(t, lines[i], stack.UIURL()+"/namespaces/default/workflows/"+st.WorkflowID+"/")
		}
	}

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

	var ready strings.Builder
	stack.WriteReady(&ready)
	require.Contains(t, ready.String(), "KYLIN_CRM_BASE_URL="+stack.SandboxURL())
	require.Contains(t, ready.String(), "TEMPORAL_ADDRESS="+stack.TemporalAddr())
	starter := newCLI(t, stack.TemporalAddr(), devstack.Namespace, devstack.TaskQueue)
	r, _ := starter.runJSON(ctx, t, 0, "status", "--id", st.WorkflowID)
	require.Equal(t, string(workflows.StateConsumed), r.State)
	require.Equal(t, st.FreezeToken, r.FreezeToken)
	// The ready block's list line: the stack stores member IDs raw.
	require.Contains(t, ready.String(), "KYLIN_MEMBER_SEARCH=raw go run ./starter list --state FROZEN --member ")
	lister := newCLI(t, stack.TemporalAddr(), devstack.Namespace, devstack.TaskQueue, "KYLIN_MEMBER_SEARCH=raw")
	require.Eventually(t, func() bool {
		res := testenv.RunCommand(ctx, t, lister.bin, lister.env, "list", "--member", devstack.DemoMember, "--state", "CONSUMED", "--json")
		return res.Code == 0 && strings.Contains(res.Stdout, `"workflowId":"`+st.WorkflowID+`"`) &&
			strings.Contains(res.Stdout, `"memberId":"`+devstack.DemoMember+`"`)
	}, 30*time.Second, 200*time.Millisecond, "list by member finds the demo run")

	desc, err := stack.Client().DescribeWorkflowExecution(ctx, st.WorkflowID, "")
	require.NoError(t, err)
	runID := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	for _, page := range []struct{ url, want, why string }{
		{stack.UIURL() + "/", "<!doctype html>", "the Web UI's root"},
		{stack.RunURL(st.WorkflowID, runID), "<!doctype html>", "the Web UI serves its app at the demo run's link"},
		{stack.UIURL() + "/api/v1/namespaces/default/workflows", st.WorkflowID, "the Web UI lists the demo run"},
	} {
		status, body := testenv.Get(t, page.url)
		require.Equal(t, http.StatusOK, status, page.url)
		require.Contains(t, strings.ToLower(body), strings.ToLower(page.want), page.why)
	}

	stack.Stop()
	require.Contains(t, progress.String(), "stopping Temporal server")
	_, err = net.DialTimeout("tcp", stack.TemporalAddr(), time.Second)
	require.Error(t, err, "the frontend must be closed after Stop")
}
