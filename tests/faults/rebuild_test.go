package faults

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// signalGo lets twoFreezesWithPauses go on.
const signalGo = "go"

// twoFreezesWithPauses is another team's workflow: it freezes twice in one
// run, waiting for a signal after each freeze, then consumes the first
// freeze and releases the second.
func twoFreezesWithPauses(ctx workflow.Context, member string) (workflows.SettleResult, error) {
	goOn := workflow.GetSignalChannel(ctx, signalGo)
	first, err := workflows.FreezePoints(ctx, workflows.FreezeRequest{MemberID: member, Points: 2, Description: "first", Step: workflows.StepFreeze})
	if err != nil {
		return workflows.SettleResult{}, err
	}
	goOn.Receive(ctx, nil)
	second, err := workflows.FreezePoints(ctx, workflows.FreezeRequest{MemberID: member, Points: 3, Description: "second", Step: workflows.FreezeStep(2)})
	if err != nil {
		return workflows.SettleResult{}, err
	}
	goOn.Receive(ctx, nil)
	if _, err := workflows.ConsumePoints(ctx, first, 0); err != nil {
		return workflows.SettleResult{}, err
	}
	return workflows.ReleasePoints(ctx, second)
}

// A worker process rebuilds a workflow from its full history when a task
// reaches it that its cache did not expect. Here the process's shared cache
// holds the run while the worker that ran it stops, and the next task, no
// longer sticky, reaches another worker of the same process: twice, once
// after each freeze. Every freeze, consume and release still goes out under
// the token of its own step, and the ledger holds each once. (This SDK
// version happens to rebuild with a new workflow.Info here; the rebuild
// that keeps its Info is TestTwoFreezesRebuiltTwiceWithTheSameInfo in
// workflows.)
func TestTwoFreezesRebuiltInOneProcessTwice(t *testing.T) {
	t.Parallel()
	tp := testenv.StartTemporal(t)
	crmSrv := startCountingCRM(t, sandbox.Config{})
	const queue, member = "kylin-rebuild", "rebuild-member"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := crmSrv.Grant(ctx, member, "", 100)
	require.NoError(t, err)

	acts := &activities.Activities{CRM: &crm.Client{BaseURL: crmSrv.URL, ServiceName: sandbox.DemoServiceName, Secret: sandbox.DemoSecret}}
	startWorker := func() worker.Worker {
		w := worker.New(tp.Client, queue, worker.Options{StickyScheduleToStartTimeout: time.Second})
		workflows.Register(w, acts)
		w.RegisterWorkflowWithOptions(twoFreezesWithPauses, workflow.RegisterOptions{Name: "TwoFreezesWithPauses"})
		require.NoError(t, w.Start())
		return w
	}
	const id = "checkout-rebuild-1"
	tok := func(step string) string { return workflows.BusinessToken(id, step) }
	running := startWorker()
	run, err := tp.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, "TwoFreezesWithPauses", member)
	require.NoError(t, err)
	for i, frozen := range []string{workflows.StepFreeze, workflows.FreezeStep(2)} {
		require.Eventually(t, func() bool {
			return crmSrv.Calls(tok(frozen)) == 1 && pending(ctx, t, tp, id, activities.FreezeName) == nil
		},
			time.Minute, 20*time.Millisecond, "freeze %d done", i+1)
		// Another worker in the process shares its cache; the one that ran
		// the workflow stops, and the signal's task goes to the other.
		next := startWorker()
		running.Stop()
		running = next
		require.NoError(t, tp.Client.SignalWorkflow(ctx, id, "", signalGo, nil))
	}
	var res workflows.SettleResult
	require.NoError(t, run.Get(ctx, &res))
	running.Stop()

	require.Equal(t, workflows.StateReleased, res.State, res.Error)
	require.Equal(t, tok(workflows.SettleStep(workflows.FreezeStep(2), workflows.StepRelease)), res.ReleaseToken)
	for _, step := range []string{workflows.StepFreeze, workflows.FreezeStep(2), workflows.StepConsume, "release/2"} {
		entries, err := crmSrv.Entries(ctx, tok(step))
		require.NoError(t, err)
		require.Len(t, entries, 1, "%s: one effect under its own token", step)
	}
	for _, step := range []string{"freeze/3", "freeze/4", "consume/2", "consume/3", "release", "release/3"} {
		require.Zero(t, crmSrv.Calls(tok(step)), "no request under %s", step)
	}
	b, err := crmSrv.Balance(ctx, member)
	require.NoError(t, err)
	require.Zero(t, b.Frozen, "nothing stays frozen")
	require.Equal(t, 2.0, b.Consumed)
	require.Equal(t, 98.0, b.Available)
	require.NoError(t, crmSrv.CheckInvariants(ctx))
}
