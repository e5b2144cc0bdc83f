package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
)

// RedemptionWorkflow is the saga of one redemption (DESIGN.md, Workflows):
// freeze the points; hold them FROZEN until a confirm or cancel Update, or
// the hold timeout; then consume or release them.
//
// The result is the final RedemptionStatus: CONSUMED, RELEASED or FAILED.
// FAILED is a result, not a workflow failure: the freeze was refused (nothing
// frozen) or did not settle in time (undone, nothing stays frozen), and Error
// says which. Workflow cancellation while FROZEN releases the points and also
// ends with a result, RELEASED with decision "workflow-cancelled", so that
// every ending reports the same shape and tokens. Once a decision is taken,
// cancellation no longer changes it: consume and release run in a
// disconnected context. The one workflow failure is a release the CRM refuses
// for good (ErrReleaseFailed, naming the freeze token), for a person to settle.
func RedemptionWorkflow(ctx workflow.Context, req RedemptionRequest) (RedemptionStatus, error) {
	r := newRedemption(ctx, req)
	if err := r.registerHandlers(ctx); err != nil {
		return RedemptionStatus{}, err
	}
	err := r.run(ctx)
	r.done, r.failure = true, err
	// confirm and cancel handlers wait for the end: let them answer first.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	if awaitErr := workflow.Await(dctx, func() bool { return workflow.AllHandlersFinished(dctx) }); awaitErr != nil {
		return RedemptionStatus{}, awaitErr
	}
	if err != nil {
		return RedemptionStatus{}, err
	}
	return r.status, nil
}

// redemption is the state of one RedemptionWorkflow run.
type redemption struct {
	req    RedemptionRequest
	status RedemptionStatus
	// winner is the decision that settled FROZEN; a repeat of it is answered.
	winner string
	// done and failure say that the run has ended and how.
	done    bool
	failure error
}

func newRedemption(ctx workflow.Context, req RedemptionRequest) *redemption {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	return &redemption{req: req, status: RedemptionStatus{
		WorkflowID:  id,
		State:       StateFreezing,
		MemberID:    req.MemberID,
		Points:      req.Points,
		Description: req.Description,
		FreezeToken: BusinessToken(id, StepFreeze),
		StartedAt:   workflow.Now(ctx),
	}}
}

func (r *redemption) run(ctx workflow.Context) error {
	if r.req.HoldSeconds < 0 {
		r.fail(ctx, fmt.Sprintf("holdSeconds must not be negative, got %d", r.req.HoldSeconds))
		return nil
	}
	freeze := FreezeRequest{
		MemberID:       r.req.MemberID,
		Points:         r.req.Points,
		Description:    r.req.Description,
		ShopCode:       r.req.ShopCode,
		TimeoutSeconds: r.req.FreezeTimeoutSeconds,
	}
	if _, err := freezePoints(ctx, freeze, r.undoingFreeze(ctx)); err != nil {
		if errorType(err) == ErrReleaseFailed {
			r.status.Error = errorText(err)
			return err
		}
		if ctx.Err() != nil {
			r.status.Decision = DecisionWorkflowCancelled
		}
		r.fail(ctx, errorText(err))
		return nil
	}
	r.to(ctx, StateFrozen)
	r.status.FrozenAt = workflow.Now(ctx)

	if r.awaitDecision(ctx) == DecisionConfirm {
		return r.consume(ctx)
	}
	return r.release(ctx)
}

// awaitDecision holds the points FROZEN until an Update wins, the hold
// timeout fires, or the workflow is cancelled, and records which came first.
func (r *redemption) awaitDecision(ctx workflow.Context) string {
	hold := secondsOr(r.req.HoldSeconds, DefaultHold)
	ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
		Timeout:      hold,
		TimerOptions: workflow.TimerOptions{Summary: fmt.Sprintf("hold frozen points %s for confirm or cancel", hold)},
	}, func() bool { return r.winner != "" })
	if r.winner == "" {
		switch {
		case err != nil:
			r.winner = DecisionWorkflowCancelled
		case !ok:
			r.winner = DecisionHoldTimeout
		}
	}
	r.status.Decision = r.winner
	workflow.GetLogger(ctx).Info("redemption decided", "decision", r.winner)
	return r.winner
}

// consume deducts the frozen points. A consume the CRM refuses for good is
// compensated by a release.
func (r *redemption) consume(ctx workflow.Context) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	in := r.input(StepConsume)
	r.status.ConsumeToken = in.Token
	r.to(ctx, StateConsuming)
	if _, err := consumeFrozen(ctx, in); err != nil {
		workflow.GetLogger(ctx).Warn("consume refused, releasing instead", "error", err)
		r.status.Decision = DecisionConsumeRejected
		r.status.Error = errorText(err)
		return r.release(ctx)
	}
	r.settle(ctx, StateConsumed)
	return nil
}

// release gives the frozen points back. Its failure fails the workflow.
func (r *redemption) release(ctx workflow.Context) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	in := r.input(StepRelease)
	r.status.ReleaseToken = in.Token
	r.to(ctx, StateReleasing)
	if _, err := releaseFrozen(ctx, in); err != nil {
		r.status.Error = errorText(err)
		return err
	}
	r.settle(ctx, StateReleased)
	return nil
}

// undoingFreeze shows in the status that an unknown freeze is being undone.
func (r *redemption) undoingFreeze(ctx workflow.Context) func(string) {
	return func(releaseToken string) {
		r.status.ReleaseToken = releaseToken
		r.to(ctx, StateReleasing)
	}
}

// input is the activity input of one step that settles the freeze.
func (r *redemption) input(step string) activities.Input {
	return activities.Input{
		Token:       BusinessToken(r.status.WorkflowID, step),
		FreezeToken: r.status.FreezeToken,
		MemberID:    r.req.MemberID,
		Points:      r.req.Points,
		Description: r.req.Description,
		ShopCode:    r.req.ShopCode,
	}
}

func (r *redemption) fail(ctx workflow.Context, reason string) {
	r.status.Error = reason
	r.settle(ctx, StateFailed)
}

func (r *redemption) settle(ctx workflow.Context, s State) {
	r.status.SettledAt = workflow.Now(ctx)
	r.to(ctx, s)
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"state": string(s)}).Counter("kylin_redemptions_total").Inc(1)
}

func (r *redemption) to(ctx workflow.Context, s State) {
	workflow.GetLogger(ctx).Info("redemption state", "from", r.status.State, "to", s)
	r.status.State = s
}
