package workflows

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
)

// Register registers the workflows and the activities of a with r: a
// worker, the dev stack or a test environment.
func Register(r worker.Registry, a *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivity(a)
}

// RegisterWorkflows registers RedemptionWorkflow, FreezePointsWorkflow,
// ReleasePointsWorkflow and ConsumePointsWorkflow under their names. A
// workflow replayer, which runs no activities, needs only this.
func RegisterWorkflows(r worker.WorkflowRegistry) {
	for name, fn := range map[string]any{
		RedemptionWorkflowName:    RedemptionWorkflow,
		FreezePointsWorkflowName:  FreezePointsWorkflow,
		ReleasePointsWorkflowName: ReleasePointsWorkflow,
		ConsumePointsWorkflowName: ConsumePointsWorkflow,
	} {
		r.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
	}
}
