package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
)

// RedemptionWorkflow is the saga of one redemption (docs/design.md, Workflows and states):
// freeze the points; hold them FROZEN until a confirm or cancel Update, or
// the hold timeout; then consume or release them.
//
// The result is the final RedemptionStatus: CONSUMED, RELEASED or FAILED.
// FAILED is a result, not a workflow failure, and always means nothing stays
// frozen: the CRM refused the freeze under its token, or the freeze did not
// settle (in time, or after a lost answer) and was undone; Error says which.
// Workflow cancellation while FROZEN releases the points and also ends with
// a result, RELEASED with decision "workflow-cancelled", so that every
// ending reports the same shape and tokens. Once a decision is taken,
// cancellation no longer changes it: consume and release run in a
// disconnected context. The one workflow failure is a release that could
// not be carried out (ErrReleaseFailed, naming the freeze token), for a
// person to settle.
func RedemptionWorkflow(ctx workflow.Context, req RedemptionRequest) (RedemptionStatus, error) {
	r := newRedemption(ctx, req)
	if err := r.registerHandlers(ctx); err != nil {
		return RedemptionStatus{}, err
	}
	err := r.needsPerson(ctx, r.run(ctx), versionAttention, r)
	if ErrorType(err) == ErrContinueAsNewSuggested && r.resume != nil {
		// Still settling after a long outage: the handlers answer where it
		// stands, and the next run carries on under the same tokens.
		r.continuing = true
		if err := drainHandlers(ctx); err != nil {
			return RedemptionStatus{}, err
		}
		next := r.req
		next.Resume = r.resume
		workflow.GetLogger(ctx).Info("redemption continues as new while it settles", "state", r.status.State)
		return RedemptionStatus{}, workflow.NewContinueAsNewError(ctx, RedemptionWorkflowName, next)
	}
	r.done, r.failure = true, err
	// confirm and cancel handlers wait for the end: let them answer first.
	if awaitErr := drainHandlers(ctx); awaitErr != nil {
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
	// freeze is the freeze that holds the points, once FROZEN.
	freeze FreezeResult
	// prepared is what the run fixed at its start; holdUntil is when the
	// hold ends, while FROZEN.
	prepared  prepared
	holdUntil time.Time
	// winner is the decision that settled FROZEN; a repeat of it is answered.
	winner string
	// consume is how many points the winning confirm consumes (0: all).
	consume float64
	// resume is what the next run carries on with, when this one continues
	// as new while it settles.
	resume *RedemptionResume
	// retryFrom is what a person's retry settles again, once a release
	// could not be carried out (needsPerson); parking is the wait for that
	// person, and says when the run has ended (done, failure) or continues
	// as new (continuing).
	retryFrom *RedemptionResume
	parking
}

func newRedemption(ctx workflow.Context, req RedemptionRequest) *redemption {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	r := &redemption{req: req, status: RedemptionStatus{
		WorkflowID:  id,
		State:       StateFreezing,
		MemberID:    req.MemberID,
		Points:      req.Points,
		Description: req.Description,
		FreezeToken: BusinessToken(id, StepFreeze),
		StartedAt:   workflow.Now(ctx),
	}}
	r.st = &r.status
	return r
}

func (r *redemption) run(ctx workflow.Context) error {
	if r.req.Resume != nil {
		if err := checkResume(ctx, *r.req.Resume); err != nil {
			r.fail(ctx, errorText(err))
			return nil
		}
		return r.carryOn(ctx, *r.req.Resume)
	}
	for _, f := range []struct {
		name    string
		seconds int64
		max     time.Duration
	}{{"holdSeconds", r.req.HoldSeconds, MaxHold}, {"freezeTimeoutSeconds", r.req.FreezeTimeoutSeconds, MaxFreezeTimeout}} {
		if err := checkSeconds(ctx, f.name, f.seconds, f.max); err != nil {
			r.fail(ctx, errorText(err))
			return nil
		}
	}
	p, err := prepare(ctx, r.req.MemberID, r.req.Body, true)
	if err != nil {
		return err
	}
	r.prepared = p
	ctx = withPrepared(withFirstShape(ctx, p), p)
	ctx = withWaiting(ctx, func(why string) { r.show(ctx, fmt.Sprintf("%s: %s", r.status.State, why)) })
	r.status.State = StateFreezing
	showFirst(ctx, r.prepared, StateFreezing, r.req.Points, detailsOf(r.status, r.holdUntil))
	f, err := freezePoints(ctx, r.freezeRequest(), r.undoingFreeze(ctx))
	if err != nil {
		return r.freezeFailed(ctx, err)
	}
	r.freeze = f
	if f.Replayed {
		r.status.Replayed = append(r.status.Replayed, f.Step)
	}
	r.status.FrozenAt = workflow.Now(ctx)
	r.holdUntil = r.status.FrozenAt.Add(secondsOr(r.req.HoldSeconds, DefaultHold))
	r.to(ctx, StateFrozen)
	if r.awaitDecision(ctx) == DecisionConfirm {
		return r.consumeFrozen(ctx)
	}
	return r.releaseFrozen(ctx)
}

// freezeRequest is the freeze of the redemption, under step StepFreeze.
func (r *redemption) freezeRequest() FreezeRequest {
	return FreezeRequest{
		MemberID:       r.req.MemberID,
		Points:         r.req.Points,
		Description:    r.req.Description,
		ShopCode:       r.req.ShopCode,
		TimeoutSeconds: r.req.FreezeTimeoutSeconds,
		Body:           r.prepared.body,
	}
}

// freezeFailed ends a redemption whose freeze did not hold the points:
// FAILED with nothing frozen, unless the undo's release could not be carried
// out (the workflow fails, for a person) or is still being tried after a
// long outage (the run continues as new).
func (r *redemption) freezeFailed(ctx workflow.Context, err error) error {
	switch ErrorType(err) {
	case ErrReleaseFailed:
		r.status.Error = errorText(err)
		r.retryFrom = r.undoResume()
		return err
	case ErrContinueAsNewSuggested:
		r.resume = r.undoResume()
		return err
	}
	if ctx.Err() != nil {
		r.status.Decision = DecisionWorkflowCancelled
	}
	r.fail(ctx, errorText(err))
	return nil
}

// undoResume is what settles the redemption's freeze, whose outcome is
// unknown, in a next run or a person's retry: its undo, same tokens.
func (r *redemption) undoResume() *RedemptionResume {
	req := r.freezeRequest()
	id := r.status.WorkflowID
	return &RedemptionResume{Status: r.status, Undo: true, Freeze: FreezeResult{
		WorkflowID: id, Step: StepFreeze, MemberID: req.MemberID, Points: req.Points, FreezeToken: BusinessToken(id, StepFreeze),
		Description: req.Description, ShopCode: req.ShopCode, Body: req.Body,
	}}
}

// checkResume refuses a resume that the workflow did not carry over itself:
// one in a run that did not continue another, or whose freeze is not this
// workflow's own (its token would settle another's points).
func checkResume(ctx workflow.Context, res RedemptionResume) error {
	info := workflow.GetInfo(ctx)
	id := info.WorkflowExecution.ID
	switch {
	case info.ContinuedExecutionRunID == "":
		return temporal.NewNonRetryableApplicationError("resume is set only by the workflow itself, when it continues as new", activities.ErrInvalidInput, nil)
	case res.Freeze.WorkflowID != id || res.Freeze.FreezeToken != BusinessToken(id, freezeStepOf(res.Freeze.Step)):
		return temporal.NewNonRetryableApplicationError("resume names a freeze that is not this workflow's own", activities.ErrInvalidInput, nil)
	}
	return nil
}

// carryOn is the run after a redemption continued as new while it settled:
// the same status, freeze, body and decision, so the same tokens.
func (r *redemption) carryOn(ctx workflow.Context, res RedemptionResume) error {
	r.status, r.freeze, r.winner, r.consume, r.holdUntil = res.Status, res.Freeze, res.Winner, res.Consume, res.HoldUntil
	r.status.WorkflowID = workflow.GetInfo(ctx).WorkflowExecution.ID
	p, err := prepare(ctx, r.req.MemberID, res.Freeze.Body, true)
	if err != nil {
		return err
	}
	r.prepared = p
	ctx = withWaiting(ctx, func(why string) { r.show(ctx, fmt.Sprintf("%s: %s", r.status.State, why)) })
	r.show(ctx, detailsOf(r.status, r.holdUntil))
	if res.Attention != nil {
		// It waited for a person when it continued as new: it waits on.
		again := res
		again.Attention, again.Status = nil, RedemptionStatus{}
		r.retryFrom = &again
		return attentionFailure(*res.Attention)
	}
	return r.settleResumed(ctx, res)
}

// settleResumed carries out the settlement res describes, under its tokens:
// the undo of a freeze that did not settle, or the decision taken.
func (r *redemption) settleResumed(ctx workflow.Context, res RedemptionResume) error {
	switch {
	case res.Undo:
		req := r.freezeRequest()
		req.Undo = true
		_, err := freezePoints(ctx, req, nil)
		return r.freezeFailed(ctx, err)
	case r.winner == DecisionConfirm:
		return r.consumeFrozen(ctx)
	}
	return r.releaseFrozen(ctx)
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

// consumeFrozen deducts the confirmed points and releases the rest. A
// consume the CRM refuses for good is compensated by a release.
func (r *redemption) consumeFrozen(ctx workflow.Context) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	r.status.ConsumeToken = BusinessToken(r.status.WorkflowID, SettleStep(r.freeze.Step, StepConsume))
	r.to(ctx, StateConsuming)
	res, err := consumeSome(ctx, r.freeze, r.consume, tokensMayBeUsed(ctx), func(releaseToken string) {
		r.status.ReleaseToken = releaseToken
		r.to(ctx, StateReleasing)
	})
	r.record(res)
	if r.continuesAsNew(err) {
		return err
	}
	if err != nil {
		r.status.Error = errorText(err)
		r.retryFrom = r.here()
		return err
	}
	if res.State == StateReleased {
		r.status.Decision = DecisionConsumeRejected
	}
	r.settle(ctx, res.State)
	return nil
}

// releaseFrozen gives the frozen points back. Its failure fails the workflow.
func (r *redemption) releaseFrozen(ctx workflow.Context) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	r.status.ReleaseToken = BusinessToken(r.status.WorkflowID, SettleStep(r.freeze.Step, StepRelease))
	r.to(ctx, StateReleasing)
	res, err := releaseAll(ctx, r.freeze, tokensMayBeUsed(ctx))
	r.record(res)
	if r.continuesAsNew(err) {
		return err
	}
	if err != nil {
		r.status.Error = errorText(err)
		r.retryFrom = r.here()
		return err
	}
	r.settle(ctx, StateReleased)
	return nil
}

// continuesAsNew reports whether err asks the settlement to go on in a new
// run, and then says what that run carries on with: the decision again,
// under the same tokens (a consume asked again is answered from the CRM's
// record; a release of the whole freeze to learn whether it was applied,
// likewise).
func (r *redemption) continuesAsNew(err error) bool {
	if ErrorType(err) != ErrContinueAsNewSuggested {
		return false
	}
	r.resume = r.here()
	return true
}

// here is the decision being carried out, for a next run or a person's
// retry: the same freeze, decision and amount, so the same tokens.
func (r *redemption) here() *RedemptionResume {
	return &RedemptionResume{Status: r.status, Freeze: r.freeze, Winner: r.winner, Consume: r.consume, HoldUntil: r.holdUntil}
}

// record copies a settlement's figures and tokens into the status.
func (r *redemption) record(res SettleResult) {
	r.status.ConsumedPoints, r.status.ReleasedPoints = res.ConsumedPoints, res.ReleasedPoints
	if res.ReleaseToken != "" {
		r.status.ReleaseToken = res.ReleaseToken
	}
	if res.Error != "" {
		r.status.Error = res.Error
	}
}

// undoingFreeze shows in the status that a freeze is being undone: its
// release token, and RELEASING once the undo is a slow one (a refusal whose
// release answers at once leaves the redemption FREEZING until FAILED).
func (r *redemption) undoingFreeze(ctx workflow.Context) func(string, bool) {
	return func(releaseToken string, slow bool) {
		r.status.ReleaseToken = releaseToken
		if slow {
			r.to(ctx, StateReleasing)
		}
	}
}

func (r *redemption) fail(ctx workflow.Context, reason string) {
	r.status.Error = reason
	r.settle(ctx, StateFailed)
}

// MetricRedemptions counts the redemptions that reached their final state,
// by "state" (CONSUMED, RELEASED, FAILED, RESOLVED). It is counted through the
// workflow's metrics handler, which skips replays, so each redemption counts
// once, with the SDK's namespace, task_queue and workflow_type labels.
const MetricRedemptions = "kylin_redemptions_total"

func (r *redemption) settle(ctx workflow.Context, s State) {
	r.status.SettledAt = workflow.Now(ctx)
	r.to(ctx, s)
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"state": string(s)}).Counter(MetricRedemptions).Inc(1)
}

func (r *redemption) to(ctx workflow.Context, s State) {
	workflow.GetLogger(ctx).Info("redemption state", "from", r.status.State, "to", s)
	r.status.State = s
	r.show(ctx, detailsOf(r.status, r.holdUntil))
}

// show publishes the state, and details (what the run waits for), to the
// Web UI and the search attributes.
func (r *redemption) show(ctx workflow.Context, details string) {
	var holdUntil time.Time
	if r.status.State == StateFrozen {
		holdUntil = r.holdUntil
	}
	show(ctx, r.prepared, r.status.State, r.req.Points, holdUntil, details)
}
