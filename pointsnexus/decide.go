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
// to the caller's "nexus/<caller>/redeem-<key>" (see decide).
func confirmOperation() nexus.Operation[ConfirmInput, workflows.RedemptionStatus] {
	return nexus.NewSyncOperation(OpConfirm, func(ctx context.Context, in ConfirmInput, opts nexus.StartOperationOptions) (workflows.RedemptionStatus, error) {
		return confirmDecision.decide(ctx, opts, in.Key, in.Points)
	})
}

// cancelOperation sends the cancel Update to the caller's
// "nexus/<caller>/redeem-<key>" (see decide).
func cancelOperation() nexus.Operation[RedemptionRef, workflows.RedemptionStatus] {
	return nexus.NewSyncOperation(OpCancel, func(ctx context.Context, in RedemptionRef, opts nexus.StartOperationOptions) (workflows.RedemptionStatus, error) {
		return cancelDecision.decide(ctx, opts, in.Key, 0)
	})
}

// decide sends the decision's Update to the redemption the caller started
// with key, a confirm consuming points (0: all), through
// workflows.DecideBy: the starter's own client side.
//
// It answers once the workflow has accepted the decision: with the final
// status when the redemption ends within the request deadline (CONSUMED,
// or RELEASED), otherwise with the status at that moment (CONSUMING or
// RELEASING, Decision set). Either way the decision is recorded and will be
// carried out; the redeem operation's result is the final word. A repeat of
// the decision that won is answered the same way, even after the end.
//
// While the freeze has not settled the workflow refuses decisions as
// NotFrozen; they are sent again until the deadline nears, then the
// caller's server is asked to retry the request. Any other refusal (already
// decided otherwise, FAILED, more points than frozen) fails the operation
// with the workflow's ErrNotFrozen or ErrInvalidInput. A key the caller's
// namespace did not redeem with is answered as not found, whoever else
// used it (redemptionNotFound).
func (d decision) decide(ctx context.Context, opts nexus.StartOperationOptions, key string, points float64) (workflows.RedemptionStatus, error) {
	var st workflows.RedemptionStatus
	caller, err := CallerNamespace(opts.Links)
	if err != nil {
		return st, err
	}
	id, err := RedemptionWorkflowID(caller, key)
	if err != nil {
		return st, badRequest(err)
	}
	ctx, cancel := withinDeadline(ctx)
	defer cancel()
	c := temporalnexus.GetClient(ctx)
	answerBy := time.Now().Add(remaining(ctx) - answerMargin/2)
	st, _, err = workflows.DecideBy(ctx, c, id, d.name, points, answerBy)
	if err == nil {
		return st, nil
	}
	if isNotFound(err) {
		// No such workflow, or it has ended: its status says which.
		return d.afterEnd(ctx, c, id)
	}
	if refused, ok := workflows.Refusal(err); ok {
		if ctx.Err() != nil && (refused.State == workflows.StateFreezing || refused.State == workflows.StateFrozen) {
			return refused, retryLater("%s %s: the redemption is still %s; the request is retried", d.name, id, refused.State)
		}
		return refused, failed(workflows.ErrNotFrozen, "%s", workflows.Reason(err))
	}
	switch {
	case ctx.Err() != nil:
		return st, retryLater("%s %s: no answer before the request deadline; the request is retried", d.name, id)
	case workflows.ErrorType(err) != "":
		// Refused for good, e.g. more points than frozen.
		return st, failed(workflows.ErrorType(err), "%s", workflows.Reason(err))
	}
	return st, err
}

// afterEnd answers a decision about a closed (or unknown) redemption: a
// repeat of the decision that won gets the final status.
func (d decision) afterEnd(ctx context.Context, c client.Client, id string) (workflows.RedemptionStatus, error) {
	st, err := workflows.Status(ctx, c, id, "")
	switch {
	case isNotFound(err):
		return workflows.RedemptionStatus{}, redemptionNotFound()
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

// statusOperation answers the status query of the caller's
// "nexus/<caller>/redeem-<key>": the member, description and tokens go to
// the namespace that redeemed with the key, and to no other.
func statusOperation() nexus.Operation[RedemptionRef, workflows.RedemptionStatus] {
	return nexus.NewSyncOperation(OpStatus, func(ctx context.Context, in RedemptionRef, opts nexus.StartOperationOptions) (workflows.RedemptionStatus, error) {
		caller, err := CallerNamespace(opts.Links)
		if err != nil {
			return workflows.RedemptionStatus{}, err
		}
		id, err := RedemptionWorkflowID(caller, in.Key)
		if err != nil {
			return workflows.RedemptionStatus{}, badRequest(err)
		}
		ctx, cancel := withinDeadline(ctx)
		defer cancel()
		st, err := workflows.Status(ctx, temporalnexus.GetClient(ctx), id, "")
		if isNotFound(err) {
			return workflows.RedemptionStatus{}, redemptionNotFound()
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
