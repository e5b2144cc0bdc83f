package workflows

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
)

// Register registers the workflows and the activities of a with r: a
// worker, the dev stack or a test environment. Each activity is registered
// under its name in package activities; Prepare only under its qualified
// name, so that a worker that also runs other teams' workflows can register
// an activity of theirs called Prepare.
func Register(r worker.Registry, a *activities.Activities) {
	RegisterWorkflows(r)
	RegisterActivities(r, a)
}

// RegisterActivities registers the activities of a with r under their names
// (see Register).
func RegisterActivities(r worker.ActivityRegistry, a *activities.Activities) {
	for name, fn := range map[string]any{
		activities.FreezeName:  a.Freeze,
		activities.ReleaseName: a.Release,
		activities.ConsumeName: a.Consume,
		activities.PrepareName: a.Prepare,
	} {
		r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
}

// RegisterWorkflows registers RedemptionWorkflow, FreezePointsWorkflow,
// ReleasePointsWorkflow, ConsumePointsWorkflow and
// ReconcileHeldPointsWorkflow under their names. A
// workflow replayer, which runs no activities, needs only this.
func RegisterWorkflows(r worker.WorkflowRegistry) {
	for name, fn := range map[string]any{
		RedemptionWorkflowName:    RedemptionWorkflow,
		FreezePointsWorkflowName:  FreezePointsWorkflow,
		ReleasePointsWorkflowName: ReleasePointsWorkflow,
		ConsumePointsWorkflowName: ConsumePointsWorkflow,
		ReconcileWorkflowName:     ReconcileHeldPointsWorkflow,
	} {
		r.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
	}
}
