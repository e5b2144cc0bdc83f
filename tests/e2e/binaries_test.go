package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestBinaries runs the real worker and starter binaries as processes
// against the in-process server and the sandbox, the way docs/production.md
// tells users to, and checks the starter's JSON, its exit codes and the CRM's
// ledger. The worker must stop gracefully on SIGTERM at the end.
func TestBinaries(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	taskQueue := testenv.UniqueName("binaries")
	starter := newCLI(t, tp.HostPort(), tp.Namespace(), taskQueue)
	workerLog := filepath.Join(t.TempDir(), "worker.log")
	worker := testenv.StartWorkerProcess(t, tp, sb.URL, taskQueue, workerLog)
	logs := func() string { b, _ := os.ReadFile(workerLog); return string(b) }

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, testenv.WaitPoller(ctx, tp.Client, taskQueue), "worker log: %s", logs())

	t.Run("commands", func(t *testing.T) {
		for _, tc := range binaryCases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
				defer cancel()
				tc.run(ctx, t, starter, sb.Server)
			})
		}
	})

	code, err := worker.Terminate(30 * time.Second)
	require.NoError(t, err, "worker log: %s", logs())
	require.Equal(t, 0, code, "the worker must exit 0 on SIGTERM; log: %s", logs())
}

// binaryCases are the starter's commands as users meet them, each on its
// own member and workflow ID.
var binaryCases = []struct {
	name string
	run  func(ctx context.Context, t *testing.T, c cli, sb *sandbox.Server)
}{
	{"redeem confirm consumes", func(ctx context.Context, t *testing.T, c cli, sb *sandbox.Server) {
		member, id := testenv.Grant(ctx, t, sb, 100), testenv.UniqueName("redeem")
		r, _ := c.runJSON(ctx, t, 0, "redeem", "--member", member, "--points", "12.5", "--description", "e2e confirm", "--id", id)
		require.Equal(t, report{WorkflowID: id, State: string(workflows.StateFrozen), MemberID: member, Points: 12.5,
			FreezeToken: workflows.BusinessToken(id, workflows.StepFreeze)}, r)
		testenv.RequireBalance(ctx, t, sb, member, 100, 87.5, 12.5, 0)

		r, _ = c.runJSON(ctx, t, 0, "confirm", "--id", id)
		require.Equal(t, string(workflows.StateConsumed), r.State)
		require.Equal(t, workflows.DecisionConfirm, r.Decision)

		r, _ = c.runJSON(ctx, t, 0, "status", "--id", id)
		require.Equal(t, report{WorkflowID: id, State: string(workflows.StateConsumed), MemberID: member, Points: 12.5,
			FreezeToken: workflows.BusinessToken(id, workflows.StepFreeze), Decision: workflows.DecisionConfirm}, r)

		r, _ = c.runJSON(ctx, t, 0, "confirm", "--id", id)
		require.Equal(t, string(workflows.StateConsumed), r.State, "repeating the decision that won answers the same")

		r, stderr := c.runJSON(ctx, t, 1, "cancel", "--id", id)
		require.Equal(t, string(workflows.StateConsumed), r.State)
		requireOneLine(t, stderr, id, string(workflows.StateConsumed))

		r, stderr = c.runJSON(ctx, t, 1, "redeem", "--member", member, "--points", "1", "--description", "again", "--id", id)
		require.Equal(t, id, r.WorkflowID)
		requireOneLine(t, stderr, id, "already exists")

		testenv.RequireSettled(ctx, t, sb, id, member, 100, 12.5, workflows.StateConsumed)
	}},
	{"redeem cancel releases", func(ctx context.Context, t *testing.T, c cli, sb *sandbox.Server) {
		member, id := testenv.Grant(ctx, t, sb, 50), testenv.UniqueName("redeem")
		res := testenv.RunCommand(ctx, t, c.bin, c.env, "redeem", "--member", member, "--points", "20",
			"--description", "e2e cancel", "--id", id)
		require.Equal(t, 0, res.Code, res.Stderr)
		require.Contains(t, res.Stdout, id+": "+string(workflows.StateFrozen), "human output names the state")

		r, _ := c.runJSON(ctx, t, 0, "cancel", "--id", id)
		require.Equal(t, string(workflows.StateReleased), r.State)
		require.Equal(t, workflows.DecisionCancel, r.Decision)

		r, stderr := c.runJSON(ctx, t, 1, "confirm", "--id", id)
		require.Equal(t, string(workflows.StateReleased), r.State)
		requireOneLine(t, stderr, id, string(workflows.StateReleased))

		testenv.RequireSettled(ctx, t, sb, id, member, 50, 20, workflows.StateReleased)
	}},
	{"redeem without enough points fails", func(ctx context.Context, t *testing.T, c cli, sb *sandbox.Server) {
		member, id := testenv.Grant(ctx, t, sb, 1), testenv.UniqueName("redeem")
		r, stderr := c.runJSON(ctx, t, 1, "redeem", "--member", member, "--points", "5", "--description", "e2e poor", "--id", id)
		require.Equal(t, string(workflows.StateFailed), r.State)
		require.Equal(t, member, r.MemberID)
		require.Contains(t, r.Error, sandbox.CodePointNotEnough)
		requireOneLine(t, stderr, id, string(workflows.StateFailed))

		r, _ = c.runJSON(ctx, t, 0, "status", "--id", id)
		require.Equal(t, string(workflows.StateFailed), r.State, "status succeeds whatever the state")

		testenv.RequireSettled(ctx, t, sb, id, member, 1, 5, workflows.StateFailed)
	}},
	{"status of an unknown workflow", func(ctx context.Context, t *testing.T, c cli, _ *sandbox.Server) {
		id := testenv.UniqueName("nobody")
		r, stderr := c.runJSON(ctx, t, 1, "status", "--id", id)
		require.Equal(t, id, r.WorkflowID)
		require.Empty(t, r.State)
		requireOneLine(t, stderr, id, "not found")
	}},
}
