package nexus

import (
	"errors"
	"fmt"
	"time"

	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/pointsnexus"
	"github.com/kylinpoints/kylin-points/workflows"
)

// The order team's side: workflows of another namespace and task queue that
// reach kylin-points only through the Nexus endpoint, with the operation
// references and types of package pointsnexus, as the README shows.

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
	err = c.ExecuteOperation(ctx, settleOperation(in.Settle), settle, opts).Get(ctx, &res.Settled)
	return res, err
}

// settleOperation is the operation named by kind: pointsnexus.OpConsume,
// else the release.
func settleOperation(kind string) nexus.OperationReference[pointsnexus.SettleInput, workflows.SettleResult] {
	if kind == pointsnexus.OpConsume {
		return pointsnexus.ConsumeOperation
	}
	return pointsnexus.ReleaseOperation
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
	err := c.ExecuteOperation(ctx, settleOperation(in.Settle), pointsnexus.SettleInput{Key: in.OrderID},
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

// ProbeRequest sends one operation, as any workflow of a caller namespace
// may: the attacks of TestNexusCallersReachOnlyTheirOwnRuns.
type ProbeRequest struct {
	Endpoint string
	// Op is the operation's name (pointsnexus.OpConfirm, …).
	Op  string
	Key string
	// Redeem is the request of OpRedeem, Freeze that of OpFreeze.
	Redeem workflows.RedemptionRequest
	Freeze workflows.FreezeRequest
}

// ProbeResult is what the operation answered: a result, or how it was
// refused.
type ProbeResult struct {
	Status  workflows.RedemptionStatus
	Freeze  workflows.FreezeResult
	Settled workflows.SettleResult
	// HandlerError is the type of the handler's refusal ("" if none),
	// Message its message; ErrorType is the ApplicationError's type of a
	// failed operation (pointsnexus.ErrorType), Reason its message.
	HandlerError string
	Message      string
	ErrorType    string
	Reason       string
}

// ProbeWorkflow sends one operation and returns what it answered.
func ProbeWorkflow(ctx workflow.Context, in ProbeRequest) (ProbeResult, error) {
	var res ProbeResult
	c := workflow.NewNexusClient(in.Endpoint, pointsnexus.ServiceName)
	opts := workflow.NexusOperationOptions{ScheduleToCloseTimeout: operationTimeout}
	var err error
	switch in.Op {
	case pointsnexus.OpConfirm:
		err = c.ExecuteOperation(ctx, pointsnexus.ConfirmOperation, pointsnexus.ConfirmInput{Key: in.Key}, opts).Get(ctx, &res.Status)
	case pointsnexus.OpCancel:
		err = c.ExecuteOperation(ctx, pointsnexus.CancelOperation, pointsnexus.RedemptionRef{Key: in.Key}, opts).Get(ctx, &res.Status)
	case pointsnexus.OpStatus:
		err = c.ExecuteOperation(ctx, pointsnexus.StatusOperation, pointsnexus.RedemptionRef{Key: in.Key}, opts).Get(ctx, &res.Status)
	case pointsnexus.OpRelease, pointsnexus.OpConsume:
		err = c.ExecuteOperation(ctx, settleOperation(in.Op), pointsnexus.SettleInput{Key: in.Key}, opts).Get(ctx, &res.Settled)
	case pointsnexus.OpRedeem:
		err = c.ExecuteOperation(ctx, pointsnexus.RedeemOperation, pointsnexus.RedeemInput{Key: in.Key, RedemptionRequest: in.Redeem}, opts).Get(ctx, &res.Status)
	case pointsnexus.OpFreeze:
		err = c.ExecuteOperation(ctx, pointsnexus.FreezeOperation, pointsnexus.FreezeInput{Key: in.Key, FreezeRequest: in.Freeze}, opts).Get(ctx, &res.Freeze)
	default:
		return res, fmt.Errorf("unknown operation %q", in.Op)
	}
	if err != nil {
		if he, ok := errors.AsType[*nexus.HandlerError](err); ok {
			res.HandlerError, res.Message = string(he.Type), he.Message
		}
		res.ErrorType, res.Reason = pointsnexus.ErrorType(err), workflows.Reason(err)
	}
	return res, nil
}
