package testenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/workflows"
)

// Status asks a redemption for its status.
func Status(ctx context.Context, c client.Client, workflowID string) (workflows.RedemptionStatus, error) {
	return workflows.Status(ctx, c, workflowID, "")
}

// WaitSettledFreeze waits until the redemption leaves FREEZING and returns
// its status then (workflows.AwaitFreeze: an Update, no polling of the
// status). A redemption started by another (a Nexus operation, a process)
// may not exist yet: that is waited for too.
func WaitSettledFreeze(ctx context.Context, c client.Client, workflowID string) (workflows.RedemptionStatus, error) {
	for {
		st, err := workflows.AwaitFreeze(ctx, c, workflowID)
		if _, notYet := errors.AsType[*serviceerror.NotFound](err); !notYet {
			return st, err
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("%s never started: %w", workflowID, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// StartRedemption starts a RedemptionWorkflow by name with the callers'
// start options (workflows.StartOptions), without waiting for its freeze.
func StartRedemption(ctx context.Context, c client.Client, id, taskQueue string, req workflows.RedemptionRequest) (client.WorkflowRun, error) {
	return c.ExecuteWorkflow(ctx, workflows.StartOptions(id, taskQueue, workflows.RedemptionSummary(req)), workflows.RedemptionWorkflowName, req)
}

// Decide sends the confirm or cancel update and returns the final status
// (workflows.Decide).
func Decide(ctx context.Context, c client.Client, workflowID, update string) (workflows.RedemptionStatus, error) {
	st, _, err := workflows.Decide(ctx, c, workflowID, update, 0)
	return st, err
}
