package pointsnexus

import (
	"context"

	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporalnexus"

	"github.com/kylinpoints/kylin-points/workflows"
)

// freezeOperation starts FreezePointsWorkflow as "freeze-<key>". Cancelling
// the operation cancels the workflow, which undoes a freeze it had not
// finished (workflows.FreezePoints).
func freezeOperation() nexus.Operation[FreezeInput, workflows.FreezeResult] {
	return temporalnexus.MustNewWorkflowRunOperationWithOptions(temporalnexus.WorkflowRunOperationOptions[FreezeInput, workflows.FreezeResult]{
		Name: OpFreeze,
		Handler: func(ctx context.Context, in FreezeInput, opts nexus.StartOperationOptions) (temporalnexus.WorkflowHandle[workflows.FreezeResult], error) {
			id, err := FreezeWorkflowID(in.Key)
			return startWorkflow[workflows.FreezeResult](ctx, opts, id, err,
				workflows.FreezePointsWorkflowName, workflows.FreezeSummary(in.FreezeRequest), in.FreezeRequest)
		},
	})
}

// redeemOperation starts RedemptionWorkflow as "redeem-<key>"; the
// operation's result is the workflow's: the final RedemptionStatus.
// Cancelling the operation cancels the workflow: FROZEN points are released
// (decision "workflow-cancelled"), and the operation still completes with
// that RELEASED status, as the workflow does.
func redeemOperation() nexus.Operation[RedeemInput, workflows.RedemptionStatus] {
	return temporalnexus.MustNewWorkflowRunOperationWithOptions(temporalnexus.WorkflowRunOperationOptions[RedeemInput, workflows.RedemptionStatus]{
		Name: OpRedeem,
		Handler: func(ctx context.Context, in RedeemInput, opts nexus.StartOperationOptions) (temporalnexus.WorkflowHandle[workflows.RedemptionStatus], error) {
			id, err := RedemptionWorkflowID(in.Key)
			return startWorkflow[workflows.RedemptionStatus](ctx, opts, id, err,
				workflows.RedemptionWorkflowName, workflows.RedemptionSummary(in.RedemptionRequest), in.RedemptionRequest)
		},
	})
}

// startWorkflow starts workflow name by name as id with arg, for an async
// operation whose result is the workflow's. idErr, from making id of the
// caller's key, refuses the request.
func startWorkflow[O any](ctx context.Context, opts nexus.StartOperationOptions, id string, idErr error, name, summary string, arg any) (temporalnexus.WorkflowHandle[O], error) {
	if idErr != nil {
		return nil, badRequest(idErr)
	}
	h, err := temporalnexus.ExecuteUntypedWorkflow[O](ctx, opts, startOptions(id, summary), name, arg)
	return h, startError(id, err)
}

// startOptions start a workflow as every caller does (workflows.StartOptions;
// docs/design.md, The idempotency token): a workflow ID is used once, for the
// life of the namespace. A retried Nexus start is not refused by that: it
// carries the same request ID, which the server recognises and answers with
// the run it started (temporalnexus passes the request ID on). The task
// queue, left empty, is the worker's own.
func startOptions(id, summary string) client.StartWorkflowOptions {
	return workflows.StartOptions(id, "", summary)
}
