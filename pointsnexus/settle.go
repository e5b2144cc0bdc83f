package pointsnexus

import (
	"context"
	"errors"
	"fmt"

	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/temporalnexus"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

// settleOperation settles the freeze that OpFreeze made for the same key
// and caller: it reads that freeze's result (FreezePointsWorkflow
// "nexus/<caller>/freeze-<key>") and starts ReleasePointsWorkflow or
// ConsumePointsWorkflow as the freeze's one settlement,
// workflows.SettlementID of the freeze's ID, so a freeze is settled once, by
// a release or a consume, from Nexus or the starter. The operation's result
// is the workflow's SettleResult. A freeze that failed has nothing to settle
// (ErrNothingFrozen); one still running is waited for, then retried. A key
// the caller's namespace did not freeze with is answered as not found.
func settleOperation(name, workflowName string) nexus.Operation[SettleInput, workflows.SettleResult] {
	return inServiceSpace(temporalnexus.MustNewWorkflowRunOperationWithOptions(temporalnexus.WorkflowRunOperationOptions[SettleInput, workflows.SettleResult]{
		Name: name,
		Handler: func(ctx context.Context, in SettleInput, opts nexus.StartOperationOptions) (temporalnexus.WorkflowHandle[workflows.SettleResult], error) {
			if name == OpRelease && in.Points != 0 {
				return nil, badRequest(fmt.Errorf("points is for %s only: a release gives back the whole freeze", OpConsume))
			}
			caller, err := CallerNamespace(opts.Links)
			if err != nil {
				return nil, err
			}
			freezeID, err := FreezeWorkflowID(caller, in.Key)
			if err != nil {
				return nil, badRequest(err)
			}
			freeze, err := frozenBy(ctx, freezeID)
			if err != nil {
				return nil, err
			}
			id := workflows.SettlementID(freezeID)
			req := workflows.SettleRequest{Freeze: freeze, Points: in.Points}
			return startWorkflow[workflows.SettleResult](ctx, opts, id, nil, workflows.StartOptions(id, "", settleSummary(name, req)), workflowName, req)
		},
	}))
}

// frozenBy is the result of freeze id, as its settlement needs it.
func frozenBy(ctx context.Context, id string) (workflows.FreezeResult, error) {
	var res workflows.FreezeResult
	wctx, cancel := withinDeadline(ctx)
	defer cancel()
	err := temporalnexus.GetClient(ctx).GetWorkflow(wctx, id, "").Get(wctx, &res)
	var wfErr *temporal.WorkflowExecutionError
	switch {
	case err == nil:
		return res, nil
	case isNotFound(err):
		return res, freezeNotFound()
	case errors.As(err, &wfErr):
		return res, failed(ErrNothingFrozen, "freeze %s did not freeze the points, nothing to settle: %s", id, workflows.Reason(err))
	case wctx.Err() != nil && ctx.Err() == nil:
		return res, retryLater("freeze %s has not ended yet; the request is retried", id)
	}
	return res, err
}

// settleSummary is the Web UI's line for a settlement, e.g.
// "consume 3 of 5 points of member m-1 frozen by freeze-1001".
func settleSummary(op string, req workflows.SettleRequest) string {
	amount := crm.FormatPoints(req.Freeze.Points) + " points"
	if req.Points != 0 {
		amount = crm.FormatPoints(req.Points) + " of " + amount
	}
	return fmt.Sprintf("%s %s of member %s frozen by %s", op, amount, req.Freeze.MemberID, req.Freeze.WorkflowID)
}
