package pointsnexus

import (
	"context"
	"slices"
	"time"

	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporalnexus"

	"github.com/kylinpoints/kylin-points/workflows"
)

// Timings of the sync operations. A sync handler must answer within the
// Nexus request's deadline (10s by default on the server), or the answer is
// lost and the request sent again.
const (
	// answerMargin is kept back from the request deadline to send the answer.
	answerMargin = 1500 * time.Millisecond
	// maxWait bounds a handler's work when the request has no deadline.
	maxWait = 8 * time.Second
	// retryInterval is how often a decision refused while FREEZING is sent again.
	retryInterval = 200 * time.Millisecond
)

// decision is a confirm or cancel: the Update and the recorded decisions
// that mean it won (a confirm wins even when the CRM then refused the
// consume and the points were released).
type decision struct {
	name string
	won  []string
}

var (
	confirmDecision = decision{workflows.UpdateConfirm, []string{workflows.DecisionConfirm, workflows.DecisionConsumeRejected}}
	cancelDecision  = decision{workflows.UpdateCancel, []string{workflows.DecisionCancel}}
)

// confirmOperation sends the confirm Update, with the points to consume,
// to "redeem-<key>" (see decide).
func confirmOperation() nexus.Operation[ConfirmInput, workflows.RedemptionStatus] {
	return nexus.NewSyncOperation(OpConfirm, func(ctx context.Context, in ConfirmInput, _ nexus.StartOperationOptions) (workflows.RedemptionStatus, error) {
		return confirmDecision.decide(ctx, in.Key, in.Points)
	})
}

// cancelOperation sends the cancel Update to "redeem-<key>" (see decide).
func cancelOperation() nexus.Operation[RedemptionRef, workflows.RedemptionStatus] {
	return nexus.NewSyncOperation(OpCancel, func(ctx context.Context, in RedemptionRef, _ nexus.StartOperationOptions) (workflows.RedemptionStatus, error) {
		return cancelDecision.decide(ctx, in.Key, 0)
	})
}

// decide sends the decision's Update to "redeem-<key>", a confirm
// consuming points (0: all).
//
// It answers once the workflow has accepted the decision: with the final
// status when the redemption ends within the request deadline (CONSUMED,
// or RELEASED), otherwise with the status at that moment (CONSUMING or
// RELEASING, Decision set). Either way the decision is recorded and will be
// carried out; the redeem operation's result is the final word. A repeat of
// the decision that won is answered the same way, even after the end.
//
// While the freeze has not settled the workflow refuses decisions as
// NotFrozen; the handler sends the Update again until the deadline nears,
// then asks the caller's server to retry the request. Any other refusal
// (already decided otherwise, FAILED, more points than frozen) fails the
// operation with the workflow's ErrNotFrozen or ErrInvalidInput.
func (d decision) decide(ctx context.Context, key string, points float64) (workflows.RedemptionStatus, error) {
	id, err := RedemptionWorkflowID(key)
	if err != nil {
		return workflows.RedemptionStatus{}, badRequest(err)
	}
	ctx, cancel := withinDeadline(ctx)
	defer cancel()
	return d.send(ctx, temporalnexus.GetClient(ctx), id, points)
}

func (d decision) send(ctx context.Context, c client.Client, id string, points float64) (workflows.RedemptionStatus, error) {
	for {
		st, err := d.sendOnce(ctx, c, id, points)
		switch {
		case err == nil:
			return st, nil
		case ctx.Err() != nil:
			return st, retryLater("%s %s: no answer before the request deadline; the request is retried", d.name, id)
		case isNotFound(err):
			// No such workflow, or it has ended: its status says which.
			return d.afterEnd(ctx, c, id)
		case ErrorType(err) == "":
			return st, err
		case ErrorType(err) != workflows.ErrNotFrozen:
			// Refused for good, e.g. more points than frozen.
			return st, failed(ErrorType(err), "%s", workflows.Reason(err))
		}
		st, qerr := workflows.Status(ctx, c, id, "")
		if qerr != nil || st.Decision != "" || (st.State != workflows.StateFreezing && st.State != workflows.StateFrozen) {
			return st, failed(workflows.ErrNotFrozen, "%s", workflows.Reason(err))
		}
		select {
		case <-ctx.Done():
			return st, retryLater("%s %s: the redemption is still %s; the request is retried", d.name, id, st.State)
		case <-time.After(retryInterval):
		}
	}
}

// sendOnce sends the Update with the fixed ID of workflows.DecisionOptions,
// so that a repeat (a Nexus retry, the starter's confirm) joins the first
// instead of queueing another, and waits for the outcome until ctx ends.
func (d decision) sendOnce(ctx context.Context, c client.Client, id string, points float64) (workflows.RedemptionStatus, error) {
	var st workflows.RedemptionStatus
	opts := workflows.DecisionOptions(id, d.name, points)
	opts.WaitForStage = client.WorkflowUpdateStageAccepted
	h, err := c.UpdateWorkflow(ctx, opts)
	if err != nil {
		return st, err
	}
	// A rejection is already known; an accepted Update is waited for while
	// the deadline allows.
	wctx, cancel := context.WithTimeout(ctx, remaining(ctx)-answerMargin/2)
	defer cancel()
	err = h.Get(wctx, &st)
	if err != nil && wctx.Err() != nil && ctx.Err() == nil {
		// Accepted, still settling: answer with where it stands.
		return workflows.Status(ctx, c, id, "")
	}
	return st, err
}

// afterEnd answers a decision about a closed (or unknown) redemption: a
// repeat of the decision that won gets the final status.
func (d decision) afterEnd(ctx context.Context, c client.Client, id string) (workflows.RedemptionStatus, error) {
	st, err := workflows.Status(ctx, c, id, "")
	switch {
	case isNotFound(err):
		return st, &nexus.HandlerError{Type: nexus.HandlerErrorTypeNotFound, Message: "redemption " + id + " not found"}
	case err != nil:
		return st, err
	case st.State.Terminal() && d.wonBy(st.Decision):
		return st, nil
	}
	msg := "cannot " + d.name + " " + id + ": redemption is " + string(st.State)
	if st.Decision != "" {
		msg += ", decided by " + st.Decision
	}
	return st, failed(workflows.ErrNotFrozen, "%s", msg)
}

func (d decision) wonBy(recorded string) bool { return slices.Contains(d.won, recorded) }

// statusOperation answers the status query of "redeem-<key>".
func statusOperation() nexus.Operation[RedemptionRef, workflows.RedemptionStatus] {
	return nexus.NewSyncOperation(OpStatus, func(ctx context.Context, in RedemptionRef, _ nexus.StartOperationOptions) (workflows.RedemptionStatus, error) {
		id, err := RedemptionWorkflowID(in.Key)
		if err != nil {
			return workflows.RedemptionStatus{}, badRequest(err)
		}
		ctx, cancel := withinDeadline(ctx)
		defer cancel()
		st, err := workflows.Status(ctx, temporalnexus.GetClient(ctx), id, "")
		if isNotFound(err) {
			return st, &nexus.HandlerError{Type: nexus.HandlerErrorTypeNotFound, Message: "redemption " + id + " not found"}
		}
		return st, err
	})
}

// withinDeadline bounds a sync handler's work so that its answer leaves
// before the request's deadline.
func withinDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	wait := maxWait
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl)-answerMargin)
	}
	return context.WithTimeout(ctx, wait)
}

func remaining(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return maxWait
	}
	return time.Until(dl)
}
