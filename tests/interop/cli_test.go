package interop

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/operatorservice/v1"

	"github.com/kylinpoints/kylin-points/internal/devstack"
	"github.com/kylinpoints/kylin-points/pointsnexus"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestCLIRecipes runs the temporal CLI lines of docs/integration.md, as written, against
// the dev stack, and checks each answer against docs/contract.md and the
// sandbox's ledger; then starts each workflow again, which must be refused,
// and creates a Nexus endpoint with the page's command.
func TestCLIRecipes(t *testing.T) {
	temporal := requireTool(t, "temporal", "build it with `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` (.ci/run does)")
	recipes := docBlock(t, integrationPage, "cli-recipes")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stack := testenv.StartDevStack(ctx, t, devstack.Options{NoUI: true})
	sb := stack.Sandbox()
	env := testenv.Env("TEMPORAL_ADDRESS="+stack.TemporalAddr(), "TEMPORAL_NAMESPACE="+devstack.Namespace)
	cli := func(args []string) testenv.Result {
		t.Helper()
		require.Equal(t, "temporal", args[0], "a documented recipe runs the temporal CLI: %v", args)
		return testenv.RunCommand(ctx, t, temporal, env, args[1:]...)
	}
	doc := readContract(t)

	var starts [][]string
	members := map[string]string{} // workflow ID → member
	for _, args := range recipes {
		id := flagValue(args, "--workflow-id")
		switch strings.Join(args[1:3], " ") {
		case "workflow start":
			r := requireOK(t, cli(args), args)
			require.Contains(t, r.Stdout, id)
			starts = append(starts, args)
			var in struct{ MemberID string }
			require.NoError(t, json.Unmarshal([]byte(flagValue(args, "--input")), &in))
			members[id] = in.MemberID
		case "workflow query":
			// As the page says: query until the freeze has settled.
			var st json.RawMessage
			for {
				var out struct{ QueryResult []json.RawMessage }
				decode(t, requireOK(t, cli(args), args), &out)
				require.Len(t, out.QueryResult, 1)
				if st = out.QueryResult[0]; !strings.Contains(string(st), `"state":"FREEZING"`) || ctx.Err() != nil {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			require.Equal(t, workflows.StateFrozen, redemptionStatus(t, doc, st).State)
		case "workflow update":
			var out struct {
				Name, UpdateID string
				Result         json.RawMessage
			}
			decode(t, requireOK(t, cli(args), args), &out)
			require.Equal(t, workflows.UpdateConfirm, out.Name)
			st := redemptionStatus(t, doc, out.Result)
			require.Equal(t, workflows.StateConsumed, st.State, "confirm answers the end")
			require.Equal(t, workflows.DecisionConfirm, st.Decision)
		case "workflow result":
			var out struct {
				Status string
				Result json.RawMessage
			}
			decode(t, requireOK(t, cli(args), args), &out)
			require.Equal(t, "COMPLETED", out.Status)
			switch {
			case strings.HasPrefix(id, "redeem-"):
				st := redemptionStatus(t, doc, out.Result)
				require.Equal(t, workflows.StateConsumed, st.State)
				require.Equal(t, id, st.WorkflowID)
				testenv.RequireSettled(ctx, t, sb, id, members[id], 1000, 5, workflows.StateConsumed)
			case strings.HasPrefix(id, "freeze-"):
				requireDocumented(t, doc, "FreezeResult", out.Result)
				var f workflows.FreezeResult
				require.NoError(t, json.Unmarshal(out.Result, &f))
				require.Equal(t, id, f.WorkflowID)
				require.Equal(t, workflows.BusinessToken(id, workflows.StepFreeze), f.FreezeToken)
				testenv.RequireBalance(ctx, t, sb, members[id], 1000, 998, 2, 0)
			default:
				t.Fatalf("no check for the result of %s", id)
			}
		case "workflow list":
			// Visibility may lag a moment behind the start.
			require.Eventually(t, func() bool {
				r := cli(args)
				return r.Code == 0 && strings.Contains(r.Stdout, "redeem-2001")
			}, 30*time.Second, 200*time.Millisecond, "%v lists the redemption", args)
		default:
			t.Fatalf("the test has no check for the documented line %v: add one", args)
		}
	}
	require.NotEmpty(t, starts)
	for _, args := range starts {
		r := cli(args)
		require.NotEqual(t, 0, r.Code, "a second start of %s is refused", flagValue(args, "--workflow-id"))
		require.Contains(t, r.Stderr, "already")
	}
	require.NoError(t, sb.CheckInvariants(ctx))

	t.Run("nexus endpoint", func(t *testing.T) {
		cmds := docBlock(t, integrationPage, "nexus-endpoint")
		require.Len(t, cmds, 1)
		args := slices.Clone(cmds[0])
		// The dev stack made kylin-points already: the same command, another name.
		require.Equal(t, pointsnexus.EndpointName, flagValue(args, "--name"))
		args[slices.Index(args, "--name")+1] = "kylin-points-readme"
		requireOK(t, cli(args), args)
		resp, err := stack.Client().OperatorService().ListNexusEndpoints(ctx, &operatorservice.ListNexusEndpointsRequest{Name: "kylin-points-readme"})
		require.NoError(t, err)
		require.Len(t, resp.GetEndpoints(), 1)
		target := resp.GetEndpoints()[0].GetSpec().GetTarget().GetWorker()
		require.Equal(t, devstack.Namespace, target.GetNamespace())
		require.Equal(t, devstack.TaskQueue, target.GetTaskQueue())
	})
}

func requireOK(t *testing.T, r testenv.Result, args []string) testenv.Result {
	t.Helper()
	require.Equal(t, 0, r.Code, "%v:\n%s%s", args, r.Stdout, r.Stderr)
	return r
}

func decode(t *testing.T, r testenv.Result, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), v), r.Stdout)
}

// redemptionStatus checks raw against the contract and decodes it.
func redemptionStatus(t *testing.T, doc contract, raw json.RawMessage) workflows.RedemptionStatus {
	t.Helper()
	requireDocumented(t, doc, "RedemptionStatus", raw)
	var st workflows.RedemptionStatus
	require.NoError(t, json.Unmarshal(raw, &st))
	return st
}

// flagValue is the word after flag in args, or "".
func flagValue(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}
