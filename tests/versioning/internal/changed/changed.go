// Package changed is build B of the versioning test: RedemptionWorkflow under
// its released name, deliberately changed so that it is not deterministic
// with build A. It starts a timer beside the saga, a command no history
// written by build A holds: a run of A replayed on this code fails. (Beside,
// not before: the saga registers its Updates in the first workflow task, as
// a caller's Update-with-Start needs.)
package changed

import (
	"time"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/workflows"
)

// Step is the summary of the timer only build B schedules, so that a test
// can tell from a history which build started it.
const Step = "build B: a step build A never had"

// RedemptionWorkflow is build B's redemption: a timer, and the released saga.
func RedemptionWorkflow(ctx workflow.Context, req workflows.RedemptionRequest) (workflows.RedemptionStatus, error) {
	workflow.NewTimerWithOptions(ctx, 100*time.Millisecond, workflow.TimerOptions{Summary: Step})
	return workflows.RedemptionWorkflow(ctx, req)
}

// RegisterWorkflows registers build B's workflows under the released names.
func RegisterWorkflows(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(RedemptionWorkflow, workflow.RegisterOptions{Name: workflows.RedemptionWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.FreezePointsWorkflow, workflow.RegisterOptions{Name: workflows.FreezePointsWorkflowName})
}

// Register registers build B's workflows and the released activities a.
func Register(r worker.Registry, a *activities.Activities) {
	RegisterWorkflows(r)
	workflows.RegisterActivities(r, a)
}
