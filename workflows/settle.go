package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
)

// ReleasePointsWorkflow releases a freeze that FreezePointsWorkflow
// returned (req.Freeze), startable by name (ReleasePointsWorkflowName).
func ReleasePointsWorkflow(ctx workflow.Context, req SettleRequest) (SettleResult, error) {
	if req.Points != 0 {
		return SettleResult{}, invalidInput("points is for %s only: a release gives back the whole freeze", ConsumePointsWorkflowName)
	}
	return ReleasePoints(ctx, req.Freeze)
}

// ConsumePointsWorkflow consumes req.Points (0: all) of a freeze that
// FreezePointsWorkflow returned and releases the rest, startable by name
// (ConsumePointsWorkflowName).
func ConsumePointsWorkflow(ctx workflow.Context, req SettleRequest) (SettleResult, error) {
	return ConsumePoints(ctx, req.Freeze, req.Points)
}

// ReleasePoints gives all points of freeze f back to the member, under the
// release token of f's step (BusinessToken(f.WorkflowID, SettleStep(f.Step,
// StepRelease))): whichever workflow releases f, the CRM sees one token, so
// a freeze is released at most once. It carries out a decision already
// taken, so it is not stopped by the workflow's cancellation, and it retries
// until the CRM answers.
//
// Errors: f is not a freeze FreezePoints returned (activities.ErrInvalidInput);
// the CRM refused the release (ErrReleaseFailed: the points stay frozen, or
// may, as its message says, for a person to settle).
func ReleasePoints(ctx workflow.Context, f FreezeResult) (SettleResult, error) {
	if err := f.check(); err != nil {
		return SettleResult{}, err
	}
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	return releaseAll(ctx, f, settlesFromElsewhere(ctx, f))
}

// ConsumePoints deducts points (0: all) of freeze f for good and releases
// the rest, each under its own token of f's step. A consume the CRM refuses
// for good is compensated by releasing the whole freeze (State RELEASED, and
// Error says why). A consume refused after an attempt whose answer was lost
// may have been applied: the whole freeze is released, and if the CRM says
// the freeze no longer holds the points, the consume went through (State
// CONSUMED, the rest released). Like ReleasePoints it is not stopped by
// cancellation, and its errors are those of ReleasePoints.
func ConsumePoints(ctx workflow.Context, f FreezeResult, points float64) (SettleResult, error) {
	if err := f.check(); err != nil {
		return SettleResult{}, err
	}
	if err := checkConsumePoints(points, f.Points); err != nil {
		return SettleResult{}, err
	}
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	return consumeSome(ctx, f, points, settlesFromElsewhere(ctx, f), nil)
}

// releaseAll releases every point of f.
func releaseAll(ctx workflow.Context, f FreezeResult, maybeSent bool) (SettleResult, error) {
	res := f.settled(StateReleased)
	res.ReleaseToken = BusinessToken(f.WorkflowID, SettleStep(f.Step, StepRelease))
	out, err := releaseFrozen(ctx, f, f.Points, SettleStep(f.Step, StepRelease), maybeSent)
	if err != nil {
		return res, err
	}
	if !out.NothingToRelease {
		res.ReleasedPoints = f.Points
	}
	return res, nil
}

// consumeSome consumes points (0: all) of f and releases the rest. onRelease,
// if set, hears that the consume failed and the whole freeze is being
// released instead.
func consumeSome(ctx workflow.Context, f FreezeResult, points float64, maybeSent bool, onRelease func(releaseToken string)) (SettleResult, error) {
	if points == 0 {
		points = f.Points
	}
	res := f.settled(StateConsumed)
	consumeStep, releaseStep := SettleStep(f.Step, StepConsume), SettleStep(f.Step, StepRelease)
	res.ConsumeToken = BusinessToken(f.WorkflowID, consumeStep)
	cin := f.input(res.ConsumeToken, points, maybeSent)
	err := carryOut(ctx, acts.Consume, cin, activitySummary("consume", points, f.MemberID), nil)
	if err == nil {
		res.ConsumedPoints = points
		return releaseRest(ctx, f, res, releaseStep, maybeSent)
	}

	logger := workflow.GetLogger(ctx)
	res.ReleaseToken = BusinessToken(f.WorkflowID, releaseStep)
	if onRelease != nil {
		onRelease(res.ReleaseToken)
	}
	if isDefinite(err) {
		logger.Warn("consume refused, releasing instead", "error", err)
		res.State, res.Error = StateReleased, errorText(err)
		out, rerr := releaseFrozen(ctx, f, f.Points, releaseStep, maybeSent)
		if rerr == nil && !out.NothingToRelease {
			res.ReleasedPoints = f.Points
		}
		return res, rerr
	}

	// The consume may have gone through. Release the whole freeze: the
	// CRM's answer under the release token says which.
	logger.Warn("consume outcome unknown, releasing the whole freeze to learn it", "error", err)
	rin := f.input(res.ReleaseToken, f.Points, maybeSent)
	var out activities.Output
	rerr := carryOut(ctx, acts.Release, rin, activitySummary("release", f.Points, f.MemberID), &out)
	d, _ := rejection(rerr)
	switch {
	case rerr == nil && !out.NothingToRelease:
		res.State, res.ReleasedPoints = StateReleased, f.Points
		res.Error = errorText(err) + "; the release of the whole freeze went through, so the consume had not been applied"
		return res, nil
	case rerr == nil:
		res.State = StateReleased
		res.Error = errorText(err) + "; the CRM then held no freeze under its token: nothing stays frozen, " +
			"but whether the consume went through is unknown: check the member's points"
		return res, nil
	case d.MeaningOf() == crm.FreezeNotEnough:
		res.ConsumedPoints = points
		res.Error = errorText(err) + "; the freeze no longer held its points, so the consume had been applied"
		return releaseRest(ctx, f, res, releaseStep+restSuffix, maybeSent)
	default:
		// Whatever the refusal, the consume may have taken the points: never
		// say they stay frozen.
		return res, releaseUnconfirmed(f, f.Points, fmt.Sprintf("%s; then the release of the whole freeze was refused: %s",
			errorText(err), errorText(rerr)), rerr)
	}
}

// releaseRest releases what a consume of res.ConsumedPoints left of f, under
// the token of step.
func releaseRest(ctx workflow.Context, f FreezeResult, res SettleResult, step string, maybeSent bool) (SettleResult, error) {
	rest := crm.PointsFromHundredths(crm.Hundredths(f.Points) - crm.Hundredths(res.ConsumedPoints))
	if rest <= 0 {
		return res, nil
	}
	res.ReleaseToken = BusinessToken(f.WorkflowID, step)
	out, err := releaseFrozen(ctx, f, rest, step, maybeSent)
	if err == nil && !out.NothingToRelease {
		res.ReleasedPoints = rest
	}
	return res, err
}

// releaseFrozen gives points of freeze f back to the member under the token
// of step. The CRM refusing it is ErrReleaseFailed.
func releaseFrozen(ctx workflow.Context, f FreezeResult, points float64, step string, maybeSent bool) (activities.Output, error) {
	in := f.input(BusinessToken(f.WorkflowID, step), points, maybeSent)
	var out activities.Output
	if err := carryOut(ctx, acts.Release, in, activitySummary("release", points, f.MemberID), &out); err != nil {
		return out, releaseFailed(f, points, err)
	}
	if out.NothingToRelease {
		workflow.GetLogger(ctx).Info("nothing to release", "freezeToken", f.FreezeToken)
	}
	return out, nil
}

// carryOut runs a settle step's activity until the CRM answers for good:
// each round of settleRound attempts that ends still failing for a reason a
// retry may cure (the CRM refusing our credentials, not answering) is
// followed by another, after telling the waiting hook of ctx why
// (withWaiting). It returns nil, or an error no retry can cure.
func carryOut(ctx workflow.Context, activity any, in activities.Input, summary string, out any) error {
	actx := workflow.WithActivityOptions(ctx, settleOptions(summary))
	for {
		err := workflow.ExecuteActivity(actx, activity, in).Get(actx, out)
		if !retriesRanOut(err) {
			return err
		}
		workflow.GetLogger(ctx).Warn("settle step still failing, another round", "step", summary, "error", err)
		if w, ok := ctx.Value(waitingKey).(func(string)); ok {
			w(stillTrying(summary, err))
		}
	}
}

// retriesRanOut reports whether err is an activity that stopped only
// because its round of attempts ended: its last failure was one a retry
// may cure (a retryable error, a timeout), not a refusal for good, nor the
// workflow's cancellation.
func retriesRanOut(err error) bool {
	if _, ok := errors.AsType[*temporal.ActivityError](err); !ok {
		return false
	}
	if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok {
		return !appErr.NonRetryable()
	}
	_, timedOut := errors.AsType[*temporal.TimeoutError](err)
	return timedOut
}

// waitingKey holds, in a workflow context, the hook that hears why a
// settle step is still being tried.
type waitingKeyType struct{}

var waitingKey = waitingKeyType{}

// withWaiting returns ctx whose settle steps tell w why they keep trying.
func withWaiting(ctx workflow.Context, w func(why string)) workflow.Context {
	return workflow.WithValue(ctx, waitingKey, w)
}

// stillTrying says, for a person, why step keeps being tried.
func stillTrying(step string, err error) string {
	why := "the CRM does not answer"
	switch ErrorType(err) {
	case activities.ErrCRMUnauthorized:
		why = "the CRM refuses our credentials"
	case activities.ErrCRMRefusing:
		why = "the CRM refuses to answer for the token"
	}
	return fmt.Sprintf("%s: %s, retrying (last: %s)", step, why, errorText(err))
}

// StrandedFreeze rides on an ErrReleaseFailed error: the freeze a person
// must settle.
type StrandedFreeze struct {
	FreezeToken string  `json:"freezeToken"`
	MemberID    string  `json:"memberId"`
	Points      float64 `json:"points"`
	// Certain is true when the CRM refused the release for good, so the
	// points do stay frozen; false when they may (the refusal came after a
	// lost answer, or the freeze was settled in part elsewhere).
	Certain bool `json:"certain"`
}

// releaseFailed is the loud failure of a release that could not be carried
// out: the points stay frozen, or may, until a person settles them.
func releaseFailed(f FreezeResult, points float64, cause error) error {
	s := StrandedFreeze{FreezeToken: f.FreezeToken, MemberID: f.MemberID, Points: points}
	d, _ := rejection(cause)
	var msg string
	switch {
	case d.MeaningOf() == crm.FreezeNotEnough:
		msg = fmt.Sprintf("release of %s points of freeze %s failed: the CRM says the freeze holds fewer points (%s), so it was settled, "+
			"at least in part, by another step; its points may stay frozen until a person checks and settles them",
			crm.FormatPoints(points), f.FreezeToken, errorText(cause))
	case isDefinite(cause):
		s.Certain = true
		msg = fmt.Sprintf("release of freeze %s failed for good, its points stay frozen until a person settles them: %s",
			f.FreezeToken, errorText(cause))
	default:
		return releaseUnconfirmed(f, points, errorText(cause), cause)
	}
	return temporal.NewNonRetryableApplicationError(msg, ErrReleaseFailed, cause, s)
}

// releaseUnconfirmed is the failure of a release whose outcome, or whose
// need, is unknown: the points may stay frozen.
func releaseUnconfirmed(f FreezeResult, points float64, why string, cause error) error {
	s := StrandedFreeze{FreezeToken: f.FreezeToken, MemberID: f.MemberID, Points: points}
	msg := fmt.Sprintf("release of freeze %s could not be confirmed (%s); its points may stay frozen until a person checks and settles them",
		f.FreezeToken, why)
	return temporal.NewNonRetryableApplicationError(msg, ErrReleaseFailed, cause, s)
}

// settled starts the SettleResult of f.
func (f FreezeResult) settled(s State) SettleResult {
	return SettleResult{State: s, FreezeToken: f.FreezeToken, MemberID: f.MemberID}
}

// check refuses a FreezeResult that FreezePoints cannot have returned, so
// that no settlement is sent for a freeze that does not exist under its
// token.
func (f FreezeResult) check() error {
	switch {
	case f.WorkflowID == "":
		return invalidInput("freeze: workflowId is required (the result of %s)", FreezePointsWorkflowName)
	case !validFreezeStep(f.Step):
		return invalidInput("freeze: step %q is not a freeze step (freeze, freeze/2, ...)", f.Step)
	case f.FreezeToken != BusinessToken(f.WorkflowID, f.Step):
		return invalidInput("freeze: freezeToken %q is not the token of step %s of workflow %s", f.FreezeToken, f.Step, f.WorkflowID)
	}
	if err := (crm.Request{MemberID: f.MemberID, Description: f.Description, Points: f.Points, ShopCode: f.ShopCode}).Validate(); err != nil {
		return invalidInput("freeze: %v", err)
	}
	return nil
}

// checkConsumePoints refuses an amount to consume that is not 0 (all) or
// a valid amount of at most frozen.
func checkConsumePoints(points, frozen float64) error {
	if points == 0 {
		return nil
	}
	if err := crm.ValidatePoints(points); err != nil {
		return invalidInput("points: %v", err)
	}
	if crm.Hundredths(points) > crm.Hundredths(frozen) {
		return invalidInput("points: %s is more than the %s frozen", crm.FormatPoints(points), crm.FormatPoints(frozen))
	}
	return nil
}

// settlesFromElsewhere reports whether the settlement tokens of f may have
// been used before: f belongs to another workflow (which, or another
// settlement of it, may have sent them), or this run is not its chain's first.
func settlesFromElsewhere(ctx workflow.Context, f FreezeResult) bool {
	return f.WorkflowID != workflow.GetInfo(ctx).WorkflowExecution.ID || tokensMayBeUsed(ctx)
}
