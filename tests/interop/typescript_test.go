package interop

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/devstack"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// compileTypeScript compiles src/ with the pinned TypeScript into a temporary
// directory and returns the script's path.
func compileTypeScript(ctx context.Context, t *testing.T, node, modules string) string {
	t.Helper()
	out := t.TempDir()
	project, err := filepath.Abs("tsconfig.json")
	require.NoError(t, err)
	r := testenv.RunCommand(ctx, t, node, testenv.Env(), filepath.Join(modules, "typescript", "bin", "tsc"), "-p", project, "--outDir", out)
	require.Equal(t, 0, r.Code, "tsc:\n%s%s", r.Stdout, r.Stderr)
	return filepath.Join(out, "interop.js")
}

// TestTypeScriptClient runs src/interop.ts, a @temporalio/client program,
// against the dev stack (server, worker, sandbox) and checks what it saw
// against docs/contract.md and the sandbox's ledger: a redemption started by
// name and confirmed, a duplicate start refused, a confirm while FREEZING
// refused as NotFrozen, one for too many points as InvalidInput, a cancel, a
// confirm after the end refused by the server, a CRM refusal as a FAILED
// result, and the freeze step alone, done and refused as CRMRejected.
func TestTypeScriptClient(t *testing.T) {
	node := requireTool(t, "node", "install Node.js 20 (Debian's nodejs) and run `npm ci` in tests/interop")
	modules := requireNodeModules(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	script := compileTypeScript(ctx, t, node, modules)

	stack := testenv.StartDevStack(ctx, t, devstack.Options{NoUI: true})
	sb := stack.Sandbox()
	member, cancelMember, freezeMember := testenv.Grant(ctx, t, sb, 100), testenv.Grant(ctx, t, sb, 100), testenv.Grant(ctx, t, sb, 100)
	poor := testenv.Grant(ctx, t, sb, 1)
	settings, err := json.Marshal(map[string]string{
		"address": stack.TemporalAddr(), "namespace": devstack.Namespace, "taskQueue": devstack.TaskQueue,
		"run": testenv.UniqueName("ts"), "redeemMember": member, "cancelMember": cancelMember, "freezeMember": freezeMember, "poorMember": poor,
	})
	require.NoError(t, err)
	// Slow freezes, so that a confirm sent right after the start meets FREEZING.
	sb.SetFaults(sandbox.Faults{Freeze: sandbox.FaultRates{Latency: 1, LatencyDuration: time.Second}})
	r := testenv.RunCommand(ctx, t, node, testenv.Env("NODE_PATH="+modules), script, string(settings))
	require.Equal(t, 0, r.Code, "interop.js:\n%s", r.Stderr)

	var got map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(r.Stdout), &got), r.Stdout)
	doc := readContract(t)
	var run string
	status := func(key string) workflows.RedemptionStatus {
		t.Helper()
		require.Contains(t, got, key)
		return redemptionStatus(t, doc, got[key])
	}

	frozen := status("frozen")
	require.Equal(t, workflows.StateFrozen, frozen.State)
	id := frozen.WorkflowID
	require.Regexp(t, `^redeem-ts-ts-[0-9a-f]{8}$`, id)
	run = id[len("redeem-ts-"):]
	require.Equal(t, workflows.BusinessToken(id, workflows.StepFreeze), frozen.FreezeToken)
	require.Equal(t, member, frozen.MemberID)
	require.Equal(t, 5.0, frozen.Points)
	require.False(t, frozen.FrozenAt.IsZero())

	confirmed := status("confirmed")
	require.Equal(t, workflows.StateConsumed, confirmed.State, "the confirm Update answers the end")
	require.Equal(t, workflows.DecisionConfirm, confirmed.Decision)
	require.Equal(t, workflows.BusinessToken(id, workflows.StepConsume), confirmed.ConsumeToken)
	require.Equal(t, confirmed, status("result"), "the result is the confirm's answer")
	require.Equal(t, confirmed, status("statusAfterEnd"))
	requireRefusal(t, got["duplicateStart"], "WorkflowExecutionAlreadyStartedError", "")
	testenv.RequireSettled(ctx, t, sb, id, member, 100, 5, workflows.StateConsumed)

	requireRefusal(t, got["confirmWhileFreezing"], "WorkflowUpdateFailedError", workflows.ErrNotFrozen)
	requireRefusal(t, got["confirmTooMuch"], "WorkflowUpdateFailedError", "InvalidInput")
	cancelled := status("cancelled")
	require.Equal(t, workflows.StateReleased, cancelled.State)
	require.Equal(t, workflows.DecisionCancel, cancelled.Decision)
	// An ended redemption takes no Update: the server refuses it.
	requireRefusal(t, got["confirmAfterCancel"], "WorkflowNotFoundError", "")
	testenv.RequireSettled(ctx, t, sb, cancelled.WorkflowID, cancelMember, 100, 3, workflows.StateReleased)

	refused := status("refused")
	require.Equal(t, workflows.StateFailed, refused.State)
	require.Contains(t, refused.Error, "POINT_NOT_ENOUGH")
	testenv.RequireSettled(ctx, t, sb, refused.WorkflowID, poor, 1, 50, workflows.StateFailed)

	requireDocumented(t, doc, "FreezeResult", got["freeze"])
	var freeze workflows.FreezeResult
	require.NoError(t, json.Unmarshal(got["freeze"], &freeze))
	require.Equal(t, "freeze-ts-"+run, freeze.WorkflowID)
	require.Equal(t, workflows.StepFreeze, freeze.Step)
	require.Equal(t, workflows.BusinessToken(freeze.WorkflowID, workflows.StepFreeze), freeze.FreezeToken)
	require.Equal(t, 2.0, freeze.Points)
	requireRefusal(t, got["freezeRefused"], "WorkflowFailedError", "CRMRejected")
	// The freeze alone holds its points until someone settles it.
	testenv.RequireBalance(ctx, t, sb, freezeMember, 100, 98, 2, 0)
	require.NoError(t, sb.CheckInvariants(ctx))
}

// requireDocumented checks that the JSON object raw has every field
// docs/contract.md marks "always" for typ, and no field it does not list.
func requireDocumented(t *testing.T, doc contract, typ string, raw json.RawMessage) {
	t.Helper()
	var obj map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &obj), "%s: %s", typ, raw)
	documented := map[string]string{}
	for _, f := range doc.fields(t, typ) {
		documented[f.name] = f.presence
	}
	for name := range obj {
		require.Contains(t, documented, name, "%s sent field %q, which docs/contract.md does not list", typ, name)
	}
	for name, presence := range documented {
		if presence == "always" {
			require.Contains(t, obj, name, "%s lacks field %q, which docs/contract.md says is always there", typ, name)
		}
	}
}

// requireRefusal checks the error the TypeScript SDK raised: its class and
// the ApplicationFailure type under it ("" for none).
func requireRefusal(t *testing.T, raw json.RawMessage, class, typ string) {
	t.Helper()
	var r struct {
		Error, Type, Message string
	}
	require.NoError(t, json.Unmarshal(raw, &r), "%s", raw)
	require.Equal(t, class, r.Error, "%s", raw)
	require.Equal(t, typ, r.Type, "%s", raw)
	require.NotEmpty(t, r.Message)
}
