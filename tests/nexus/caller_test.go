package nexus

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/pointsnexus"
	"github.com/kylinpoints/kylin-points/tests/internal/nexusprobe"
	"github.com/kylinpoints/kylin-points/workflows"
)

// The order team's side: workflows of another namespace and task queue that
// reach kylin-points only through the Nexus endpoint, with the operation
// references and types of package pointsnexus, as docs/integration.md shows.

// OrderRequest is what the order team's workflow knows of an order.
type OrderRequest struct {
	Endpoint string
	OrderID  string
	MemberID string
	Points   float64
	// Confirm confirms the redemption at once, for ConsumePoints (0: all);
	// otherwise the order waits for the redemption to end (or for its own
	// cancellation).
	Confirm       bool
	ConsumePoints float64
}

// OrderResult is what the order saw through the endpoint.
type OrderResult struct {
	// Decided is the confirm operation's answer.
	Decided workflows.RedemptionStatus
	// Final is the redeem operation's result.
	Final workflows.RedemptionStatus
	// Status is the status operation's answer after the end.
	Status workflows.RedemptionStatus
}

// operationTimeout bounds each operation from the caller's side, retries
// included.
const operationTimeout = time.Minute

// OrderWorkflow redeems points for an order through the endpoint. The
// confirm is sent right after the redemption starts, usually while it is
// still FREEZING: the service must hold it until FROZEN, not refuse it.
func OrderWorkflow(ctx workflow.Context, in OrderRequest) (OrderResult, error) {
	var res OrderResult
	c := workflow.NewNexusClient(in.Endpoint, pointsnexus.ServiceName)
	opts := workflow.NexusOperationOptions{ScheduleToCloseTimeout: operationTimeout}
	redeem := c.ExecuteOperation(ctx, pointsnexus.RedeemOperation, pointsnexus.RedeemInput{
		Key: in.OrderID,
		RedemptionRequest: workflows.RedemptionRequest{
			MemberID:    in.MemberID,
			Points:      in.Points,
			Description: "order " + in.OrderID,
		},
	}, opts)
	if err := redeem.GetNexusOperationExecution().Get(ctx, nil); err != nil {
		return res, err
	}
	ref := pointsnexus.RedemptionRef{Key: in.OrderID}
	if in.Confirm {
		confirm := pointsnexus.ConfirmInput{Key: in.OrderID, Points: in.ConsumePoints}
		if err := c.ExecuteOperation(ctx, pointsnexus.ConfirmOperation, confirm, opts).Get(ctx, &res.Decided); err != nil {
			return res, err
		}
	}
	// Cancelling this workflow cancels the redeem operation, which releases
	// the points; the operation still ends with the redemption's result.
	if err := redeem.Get(ctx, &res.Final); err != nil {
		return res, err
	}
	sctx, _ := workflow.NewDisconnectedContext(ctx)
	err := c.ExecuteOperation(sctx, pointsnexus.StatusOperation, ref, opts).Get(sctx, &res.Status)
	return res, err
}

// FreezeOrderRequest asks for the freeze step alone, then its settlement.
type FreezeOrderRequest struct {
	Endpoint string
	OrderID  string
	MemberID string
	Points   float64
	// Settle is "", pointsnexus.OpRelease or pointsnexus.OpConsume (of
	// ConsumePoints, 0: all).
	Settle        string
	ConsumePoints float64
}

// FreezeOrderResult is what the freeze and the settlement answered.
type FreezeOrderResult struct {
	Freeze  workflows.FreezeResult
	Settled workflows.SettleResult
}

// FreezeOrderWorkflow freezes points through the endpoint, then settles the
// freeze as asked, naming it by the same key.
func FreezeOrderWorkflow(ctx workflow.Context, in FreezeOrderRequest) (FreezeOrderResult, error) {
	var res FreezeOrderResult
	c := workflow.NewNexusClient(in.Endpoint, pointsnexus.ServiceName)
	opts := workflow.NexusOperationOptions{ScheduleToCloseTimeout: operationTimeout}
	err := c.ExecuteOperation(ctx, pointsnexus.FreezeOperation, pointsnexus.FreezeInput{
		Key: in.OrderID,
		FreezeRequest: workflows.FreezeRequest{
			MemberID:    in.MemberID,
			Points:      in.Points,
			Description: "freeze for order " + in.OrderID,
		},
	}, opts).Get(ctx, &res.Freeze)
	if err != nil || in.Settle == "" {
		return res, err
	}
	settle := pointsnexus.SettleInput{Key: in.OrderID, Points: in.ConsumePoints}
	err = c.ExecuteOperation(ctx, nexusprobe.SettleOperation(in.Settle), settle, opts).Get(ctx, &res.Settled)
	return res, err
}

// SettleOrderRequest settles the freeze of an order, as another workflow
// of the order team would.
type SettleOrderRequest struct {
	Endpoint string
	OrderID  string
	Settle   string
}

// SettleOrderWorkflow calls the release or consume operation alone.
func SettleOrderWorkflow(ctx workflow.Context, in SettleOrderRequest) (workflows.SettleResult, error) {
	var res workflows.SettleResult
	c := workflow.NewNexusClient(in.Endpoint, pointsnexus.ServiceName)
	err := c.ExecuteOperation(ctx, nexusprobe.SettleOperation(in.Settle), pointsnexus.SettleInput{Key: in.OrderID},
		workflow.NexusOperationOptions{ScheduleToCloseTimeout: operationTimeout}).Get(ctx, &res)
	return res, err
}

// DecideOrderRequest sends one decision about an order's redemption.
type DecideOrderRequest struct {
	Endpoint string
	OrderID  string
	// Decision is pointsnexus.OpConfirm or pointsnexus.OpCancel.
	Decision string
}

// DecideOrderWorkflow calls the confirm or cancel operation alone, as a
// workflow of the order team that did not start the redemption would.
func DecideOrderWorkflow(ctx workflow.Context, in DecideOrderRequest) (workflows.RedemptionStatus, error) {
	var st workflows.RedemptionStatus
	c := workflow.NewNexusClient(in.Endpoint, pointsnexus.ServiceName)
	opts := workflow.NexusOperationOptions{ScheduleToCloseTimeout: operationTimeout}
	var f workflow.NexusOperationFuture
	if in.Decision == pointsnexus.OpConfirm {
		f = c.ExecuteOperation(ctx, pointsnexus.ConfirmOperation, pointsnexus.ConfirmInput{Key: in.OrderID}, opts)
	} else {
		f = c.ExecuteOperation(ctx, pointsnexus.CancelOperation, pointsnexus.RedemptionRef{Key: in.OrderID}, opts)
	}
	err := f.Get(ctx, &st)
	return st, err
}
