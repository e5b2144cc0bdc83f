package workflows

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
)

// Register registers both workflows and the activities of a with r: a
// worker, the dev stack or a test environment.
func Register(r worker.Registry, a *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivity(a)
}

// RegisterWorkflows registers RedemptionWorkflow and FreezePointsWorkflow
// under RedemptionWorkflowName and FreezePointsWorkflowName. A workflow
// replayer, which runs no activities, needs only this.
func RegisterWorkflows(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(RedemptionWorkflow, workflow.RegisterOptions{Name: RedemptionWorkflowName})
	r.RegisterWorkflowWithOptions(FreezePointsWorkflow, workflow.RegisterOptions{Name: FreezePointsWorkflowName})
}
