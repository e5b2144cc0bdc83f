package workflows_test

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/workflows"
)

// Other teams' workflows that call the library, as recorded in testdata
// (v3_two_freezes, v3_freeze_across_runs_*) and replayed.
const (
	twoFreezesName       = "TwoFreezes"
	freezeAcrossRunsName = "FreezeAcrossRuns"
)

// registerCallers registers the callers' workflows with r.
func registerCallers(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(twoFreezes, workflow.RegisterOptions{Name: twoFreezesName})
	r.RegisterWorkflowWithOptions(freezeAcrossRuns, workflow.RegisterOptions{Name: freezeAcrossRunsName})
}

// twoFreezes is another team's workflow: it freezes twice in one run, the
// second time under step "freeze/2" as second asks; with second.Points
// set, it then consumes the first freeze and releases the second.
func twoFreezes(ctx workflow.Context, second workflows.FreezeRequest) ([]workflows.FreezeResult, error) {
	first, err := workflows.FreezePoints(ctx, workflows.FreezeRequest{MemberID: "m-1", Points: 5, Description: "first"})
	if err != nil {
		return nil, err
	}
	again, err := workflows.FreezePoints(ctx, second)
	if err != nil || second.ShopCode != settleBoth {
		return []workflows.FreezeResult{first, again}, err
	}
	if _, err := workflows.ConsumePoints(ctx, first, 0); err != nil {
		return nil, err
	}
	if _, err := workflows.ReleasePoints(ctx, again); err != nil {
		return nil, err
	}
	return []workflows.FreezeResult{first, again}, nil
}

// settleBoth, as the second freeze's shop code, asks twoFreezes to settle
// both freezes.
const settleBoth = "settle-both"

// freezeAcrossRuns is another team's workflow: it freezes in its first run,
// continues as new, and freezes again in the next run, under the steps
// given; it returns every freeze it made.
func freezeAcrossRuns(ctx workflow.Context, steps []string, held []workflows.FreezeResult) ([]workflows.FreezeResult, error) {
	req := freezeRequest()
	req.Step = steps[0]
	f, err := workflows.FreezePoints(ctx, req)
	if err != nil {
		return nil, err
	}
	held = append(held, f)
	if len(steps) > 1 {
		return nil, workflow.NewContinueAsNewError(ctx, freezeAcrossRunsName, steps[1:], held)
	}
	return held, nil
}
