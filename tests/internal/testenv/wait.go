package testenv

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/workflows"
)

// Status asks a redemption for its status.
func Status(ctx context.Context, c client.Client, workflowID string) (workflows.RedemptionStatus, error) {
	var st workflows.RedemptionStatus
	v, err := c.QueryWorkflow(ctx, workflowID, "", workflows.QueryStatus)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}

// WaitSettledFreeze polls the status query until the redemption leaves FREEZING and
// returns its status, or fails when ctx ends.
func WaitSettledFreeze(ctx context.Context, c client.Client, workflowID string) (workflows.RedemptionStatus, error) {
	for {
		st, err := Status(ctx, c, workflowID)
		if err == nil && st.State != workflows.StateFreezing {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("%s still %s (last error %v): %w", workflowID, st.State, err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// StartRedemption starts a RedemptionWorkflow by name with the starter's options.
func StartRedemption(ctx context.Context, c client.Client, id, taskQueue string, req workflows.RedemptionRequest) (client.WorkflowRun, error) {
	return c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:            id,
		TaskQueue:     taskQueue,
		StaticSummary: workflows.RedemptionSummary(req),
	}, workflows.RedemptionWorkflowName, req)
}

// Decide sends the confirm or cancel update and returns the final status.
func Decide(ctx context.Context, c client.Client, workflowID, update string) (workflows.RedemptionStatus, error) {
	var st workflows.RedemptionStatus
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		UpdateName:   update,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return st, err
	}
	return st, h.Get(ctx, &st)
}
