package workflows

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
)

// ReleasePointsWorkflow releases a freeze that FreezePointsWorkflow
// returned (req.Freeze), startable by name (ReleasePointsWorkflowName).
// Started by a kylin-points client it runs as SettlementID(the freeze's
// workflow ID), so a freeze is settled once; a run whose ID names another
// freeze's settlement is refused. After a long outage it continues as new
// with the same request, under the same tokens.
func ReleasePointsWorkflow(ctx workflow.Context, req SettleRequest) (SettleResult, error) {
	if req.Points != 0 {
		return SettleResult{}, invalidInput("points is for %s only: a release gives back the whole freeze", ConsumePointsWorkflowName)
	}
	return settleWorkflow(ctx, ReleasePointsWorkflowName, req)
}

// ConsumePointsWorkflow consumes req.Points (0: all) of a freeze that
// FreezePointsWorkflow returned and releases the rest, startable by name
// (ConsumePointsWorkflowName). Its ID, like ReleasePointsWorkflow's, is the
// freeze's SettlementID.
func ConsumePointsWorkflow(ctx workflow.Context, req SettleRequest) (SettleResult, error) {
	return settleWorkflow(ctx, ConsumePointsWorkflowName, req)
}

// settleWorkflow is the run of settlement workflow name. A settlement that
// could not be carried out (ErrReleaseFailed) waits in ATTENTION for a
// person's retry or resolve (docs/operations.md, Points that need a
// person), in runs recorded since versionAttentionSettle; the result then
// carries the Attention, and the Resolution once resolved (State RESOLVED).
func settleWorkflow(ctx workflow.Context, name string, req SettleRequest) (SettleResult, error) {
	s := newSettleRun(ctx, name, req)
	if err := s.registerAttentionHandlers(ctx); err != nil {
		return SettleResult{}, err
	}
	if err := checkSettlementID(ctx, req.Freeze); err != nil {
		return SettleResult{}, err
	}
	var err error
	if a := resumeAttention(ctx, req.Attention); a != nil {
		// It waited for a person when it continued as new: it waits on.
		s.status.Attention, s.req.Attention = a, nil
		err = attentionFailure(*a)
	} else {
		err = s.settle(ctx)
	}
	return s.end(ctx, s.needsPerson(ctx, err, versionAttentionSettle, s))
}

// checkSettlementID refuses to settle freeze f in a run whose ID names the
// settlement of another freeze: "settle-<ID>" settles the freeze of workflow
// <ID> and no other, whoever started it. A run under an ID of another form
// (a caller's own) is not checked.
func checkSettlementID(ctx workflow.Context, f FreezeResult) error {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	if !strings.HasPrefix(id, settlePrefix) || f.WorkflowID == "" || id == SettlementID(f.WorkflowID) {
		return nil
	}
	return invalidInput("workflow %s settles the freeze of workflow %s, not the freeze of %s: start it as %s",
		id, strings.TrimPrefix(id, settlePrefix), f.WorkflowID, SettlementID(f.WorkflowID))
}

// ReleasePoints gives all points of freeze f back to the member, under the
// release token of f's step (BusinessToken(f.WorkflowID, SettleStep(f.Step,
// StepRelease))): whichever workflow releases f, the CRM sees one token, so
// a freeze is released at most once. It carries out a decision already
// taken, so it is not stopped by the workflow's cancellation, and it retries
// until the CRM answers.
//
// Errors: f is not a freeze FreezePoints returned (activities.ErrInvalidInput);
// the release could not be carried out (ErrReleaseFailed: the CRM refused
// it, or found no freeze under its token although f was made; the points
// may stay frozen, for a person to settle); the CRM has not answered for so
// long that the calling workflow should continue as new and call
// ReleasePoints again there with the same freeze (ErrContinueAsNewSuggested;
// the tokens are the same, so nothing is applied twice).
func ReleasePoints(ctx workflow.Context, f FreezeResult) (SettleResult, error) {
	if err := f.check(); err != nil {
		return SettleResult{}, err
	}
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	return releaseAll(ctx, f, settlesFromElsewhere(ctx, f))
}

// ConsumePoints deducts points (0: all) of freeze f for good and releases
// the rest, each under its own token of f's step. A consume that does not
// end with the CRM's success is settled by releasing the whole freeze, whose
// answer says what happened: the release goes through (the consume had not
// been applied: State RELEASED, Error says why), or the CRM says the freeze
// holds fewer points (crm.FreezeNotEnough, after a consume whose answer was
// lost: it had been applied, State CONSUMED, the rest released). Any other
// answer proves neither, and is ErrReleaseFailed, for a person. Like
// ReleasePoints it is not stopped by cancellation, and its errors are those
// of ReleasePoints (after ErrContinueAsNewSuggested, call ConsumePoints again
// with the same arguments).
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
	if _, err := releaseFrozen(ctx, f, f.Points, SettleStep(f.Step, StepRelease), maybeSent); err != nil {
		return res, err
	}
	res.ReleasedPoints = f.Points
	return res, nil
}

// consumeSome consumes points (0: all) of f and releases the rest. onRelease,
// if set, hears that the consume did not go through and the whole freeze is
// being released instead.
func consumeSome(ctx workflow.Context, f FreezeResult, points float64, maybeSent bool, onRelease func(releaseToken string)) (SettleResult, error) {
	if points == 0 {
		points = f.Points
	}
	res := f.settled(StateConsumed)
	consumeStep, releaseStep := SettleStep(f.Step, StepConsume), SettleStep(f.Step, StepRelease)
	res.ConsumeToken = BusinessToken(f.WorkflowID, consumeStep)
	cin := f.input(res.ConsumeToken, points, maybeSent)
	err := carryOut(ctx, acts.Consume, cin, activitySummary("consume", points, f.MemberID), nil)
	switch t := ErrorType(err); {
	case err == nil:
		res.ConsumedPoints = points
		return releaseRest(ctx, f, res, releaseStep, maybeSent)
	case t == ErrContinueAsNewSuggested:
		return res, err
	case t == activities.ErrInvalidInput || t == activities.ErrCRMRejected:
		// Nothing applied (no call made; or, in a history recorded before
		// ErrCRMRefused, a refusal the activity took as proof).
		return compensate(ctx, f, res, maybeSent, err, onRelease)
	}

	// The consume may have gone through, or not. Release the whole freeze:
	// the CRM's answer under the release token says which.
	logger := workflow.GetLogger(ctx)
	logger.Warn("consume did not go through, releasing the whole freeze to learn whether it was applied", "error", err)
	res.ReleaseToken = BusinessToken(f.WorkflowID, releaseStep)
	if onRelease != nil {
		onRelease(res.ReleaseToken)
	}
	rin := f.input(res.ReleaseToken, f.Points, maybeSent)
	var out activities.Output
	rerr := carryOut(ctx, acts.Release, rin, activitySummary("release", f.Points, f.MemberID), &out)
	d, _ := rejection(rerr)
	refused, _ := rejection(err)
	switch {
	case ErrorType(rerr) == ErrContinueAsNewSuggested:
		return res, rerr
	case rerr == nil && !out.NothingToRelease:
		res.State, res.ReleasedPoints = StateReleased, f.Points
		res.Error = errorText(err) + "; the release of the whole freeze went through, so the consume had not been applied"
		return res, nil
	case rerr == nil:
		return res, releaseUnconfirmed(f, f.Points, errorText(err)+
			"; then the CRM held no freeze under its token, so the consume may have taken the points, or the freeze was settled elsewhere", nil)
	case d.MeaningOf() == crm.FreezeNotEnough && !refused.Business():
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

// compensate releases the whole of f after a consume that was not applied.
func compensate(ctx workflow.Context, f FreezeResult, res SettleResult, maybeSent bool, cause error, onRelease func(string)) (SettleResult, error) {
	res.ReleaseToken = BusinessToken(f.WorkflowID, SettleStep(f.Step, StepRelease))
	if onRelease != nil {
		onRelease(res.ReleaseToken)
	}
	workflow.GetLogger(ctx).Warn("consume refused, releasing instead", "error", cause)
	res.State, res.Error = StateReleased, errorText(cause)
	if _, err := releaseFrozen(ctx, f, f.Points, SettleStep(f.Step, StepRelease), maybeSent); err != nil {
		return res, err
	}
	res.ReleasedPoints = f.Points
	return res, nil
}

// releaseRest releases what a consume of res.ConsumedPoints left of f, under
// the token of step.
func releaseRest(ctx workflow.Context, f FreezeResult, res SettleResult, step string, maybeSent bool) (SettleResult, error) {
	rest := crm.PointsFromHundredths(crm.Hundredths(f.Points) - crm.Hundredths(res.ConsumedPoints))
	if rest <= 0 {
		return res, nil
	}
	res.ReleaseToken = BusinessToken(f.WorkflowID, step)
	if _, err := releaseFrozen(ctx, f, rest, step, maybeSent); err != nil {
		return res, err
	}
	res.ReleasedPoints = rest
	return res, nil
}

// releaseFrozen gives points of freeze f, which the CRM froze, back to the
// member under the token of step. The CRM refusing it, or finding no freeze
// under its token, is ErrReleaseFailed: the freeze was made, so a release
// that finds nothing means it was settled elsewhere or the CRM forgot it,
// and the points may stay frozen, for a person.
func releaseFrozen(ctx workflow.Context, f FreezeResult, points float64, step string, maybeSent bool) (activities.Output, error) {
	in := f.input(BusinessToken(f.WorkflowID, step), points, maybeSent)
	var out activities.Output
	err := carryOut(ctx, acts.Release, in, activitySummary("release", points, f.MemberID), &out)
	switch {
	case ErrorType(err) == ErrContinueAsNewSuggested:
		return out, err
	case err != nil:
		return out, releaseFailed(f, points, err)
	case out.NothingToRelease:
		return out, releaseUnconfirmed(f, points, fmt.Sprintf("the CRM holds no freeze under token %s, although it was made: "+
			"it was settled elsewhere, or the CRM no longer knows the token", f.FreezeToken), nil)
	}
	return out, nil
}

// carryOut runs a settle step's activity until the CRM answers for good:
// each round of settleRound attempts that ends still failing for a reason a
// retry may cure (the CRM refusing our credentials, not answering) is
// followed by another, after telling the waiting hook of ctx why
// (withWaiting). It returns nil, or an error no retry can cure, or, after a
// round when the history has grown long (the server suggests it, or this step
// has run maxSettleRounds rounds in this run), ErrContinueAsNewSuggested: the
// workflow continues as new and carries on under the same tokens, before the
// server's history limit would terminate it with nothing said.
func carryOut(ctx workflow.Context, activity any, in activities.Input, summary string, out any) error {
	actx := workflow.WithActivityOptions(ctx, settleOptions(summary, in.ShopCode))
	for rounds := 1; ; rounds++ {
		err := workflow.ExecuteActivity(actx, activity, in).Get(actx, out)
		if !retriesRanOut(err) {
			return err
		}
		workflow.GetLogger(ctx).Warn("settle step still failing, another round", "step", summary, "error", err)
		why := stillTrying(summary, err)
		if w, ok := ctx.Value(waitingKey).(func(string)); ok {
			w(why)
		}
		if historyIsLong(ctx, rounds) {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s; after %d rounds the workflow continues as new to keep trying", why, rounds),
				ErrContinueAsNewSuggested, err)
		}
	}
}

// maxSettleRounds bounds the rounds of one settle step in one run: about
// seven history events a round, so a run stays far below the server's
// history limits (51,200 events by default) even with several steps.
const maxSettleRounds = 500

// maxHistoryEvents is the history length past which a settling run
// continues as new, whatever the server suggests.
const maxHistoryEvents = 20_000

// historyIsLong reports whether a settling run should continue as new
// after rounds rounds of one step.
func historyIsLong(ctx workflow.Context, rounds int) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= maxHistoryEvents || rounds >= maxSettleRounds
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
	// Certain was true when a refusal was taken as proof that the points
	// stay frozen. No refusal is proof now (docs/design.md, What a refusal
	// proves): it is false, the points may stay frozen, and only histories
	// recorded before say otherwise.
	Certain bool `json:"certain"`
}

// releaseFailed is the loud failure of a release that could not be carried
// out: its points may stay frozen until a person settles them.
func releaseFailed(f FreezeResult, points float64, cause error) error {
	why := errorText(cause)
	if d, _ := rejection(cause); d.MeaningOf() == crm.FreezeNotEnough {
		why = fmt.Sprintf("the CRM says the freeze holds fewer points (%s), so it was settled, at least in part, by another step", why)
	}
	return releaseUnconfirmed(f, points, why, cause)
}

// releaseUnconfirmed is the failure of a release whose outcome, or whose
// need, is unknown: the points may stay frozen.
func releaseUnconfirmed(f FreezeResult, points float64, why string, cause error) error {
	s := StrandedFreeze{FreezeToken: f.FreezeToken, MemberID: f.MemberID, Points: points}
	msg := fmt.Sprintf("release of %s points of freeze %s could not be confirmed (%s); its points may stay frozen until a person checks and settles them",
		crm.FormatPoints(points), f.FreezeToken, why)
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
	case checkFreezeStep(f.Step) != nil:
		return invalidInput("freeze: %v", checkFreezeStep(f.Step))
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
