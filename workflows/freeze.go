package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
)

// FreezePointsWorkflow is the freeze step alone, startable by name
// (FreezePointsWorkflowName) from any language or the temporal CLI. It fails
// as FreezePoints does; the caller then owns the freeze it returns, and
// settles it with ReleasePointsWorkflow or ConsumePointsWorkflow.
func FreezePointsWorkflow(ctx workflow.Context, req FreezeRequest) (FreezeResult, error) {
	return FreezePoints(ctx, req)
}

// FreezePoints freezes req.Points of member req.MemberID for the calling
// workflow and says which freeze holds them. Each call is its own freeze,
// under its own step of the workflow ID: "freeze" for the first call,
// "freeze/2" for the second, and so on, each with its own release and
// consume tokens. So a repeated call never touches a freeze an earlier call
// returned, and the same workflow replayed numbers its calls the same way.
// Settle the result with ReleasePoints or ConsumePoints.
//
// Errors: invalid input (activities.ErrInvalidInput), or a CRM refusal that
// proves nothing was applied (activities.ErrCRMRejected, e.g. not enough
// points): nothing was frozen. No definite answer within req.TimeoutSeconds,
// or a refusal after an attempt whose answer was lost: the freeze is undone
// (asked again under its token, then released) and the error has type
// ErrFreezeAbandoned, nothing stays frozen; if the CRM refuses that release,
// ErrReleaseFailed.
func FreezePoints(ctx workflow.Context, req FreezeRequest) (FreezeResult, error) {
	return freezePoints(ctx, req, nil)
}

// freezePoints is FreezePoints with a hook called, with the release token,
// when the freeze must be undone; the redemption shows it in its status.
func freezePoints(ctx workflow.Context, req FreezeRequest, onUndo func(releaseToken string)) (FreezeResult, error) {
	if err := checkSeconds("timeoutSeconds", req.TimeoutSeconds); err != nil {
		return FreezeResult{}, err
	}
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	step := nextFreezeStep(ctx)
	body, err := fixBody(ctx, req.Body)
	if err != nil {
		return FreezeResult{}, err
	}
	f := FreezeResult{
		WorkflowID:  id,
		Step:        step,
		MemberID:    req.MemberID,
		Points:      req.Points,
		FreezeToken: BusinessToken(id, step),
		Description: req.Description,
		ShopCode:    req.ShopCode,
		Body:        body,
	}
	in := f.input(f.FreezeToken, f.Points, tokensMayBeUsed(ctx))
	in.FreezeToken = ""
	timeout := secondsOr(req.TimeoutSeconds, DefaultFreezeTimeout)
	fctx := workflow.WithActivityOptions(ctx, freezeOptions(timeout, activitySummary("freeze", req.Points, req.MemberID)))
	var out activities.Output
	err = workflow.ExecuteActivity(fctx, acts.Freeze, in).Get(fctx, &out)
	switch {
	case err == nil:
		f.Replayed = out.Replayed && out.Attempt == 1 && !in.MaybeSent
		if f.Replayed {
			workflow.GetLogger(ctx).Warn("the CRM answered the first freeze from its idempotency record: its token was used before this workflow",
				"freezeToken", f.FreezeToken)
		}
		return f, nil
	case isDefinite(err):
		return FreezeResult{}, err
	}
	if onUndo != nil {
		onUndo(BusinessToken(id, SettleStep(step, StepRelease)))
	}
	return FreezeResult{}, undoFreeze(ctx, f, in, timeout, err)
}

// undoFreeze makes sure nothing stays frozen after a freeze whose outcome is
// unknown: its time ran out, the workflow was cancelled while it ran, or the
// CRM refused it after an attempt whose answer was lost. It always returns
// an error: ErrFreezeAbandoned, or ErrReleaseFailed.
//
// It first asks again under the same token, with no deadline, until the CRM
// answers under the token: with the first outcome, or by applying the
// freeze now if no request ever arrived. Only then does it release.
// Releasing at once could overtake a freeze still on its way to the CRM,
// find nothing to release, and leave that freeze stranded when it lands.
func undoFreeze(ctx workflow.Context, f FreezeResult, freeze activities.Input, timeout time.Duration, cause error) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	logger := workflow.GetLogger(ctx)
	logger.Warn("freeze outcome unknown, undoing it", "freezeToken", f.FreezeToken, "error", cause)
	recheck := freeze
	recheck.Recheck = true
	cctx := workflow.WithActivityOptions(ctx, settleOptions(activitySummary("settle the unknown freeze of", f.Points, f.MemberID)))
	err := workflow.ExecuteActivity(cctx, acts.Freeze, recheck).Get(cctx, nil)
	if errorType(err) == activities.ErrCRMRejected {
		// The CRM's business answer under the token: never applied.
		logger.Info("freeze was never applied, nothing to release", "freezeToken", f.FreezeToken)
		return abandoned(f, timeout, "the CRM says it was never applied", cause)
	}
	// Applied, or the CRM holds a record under the token (409) that may be
	// a freeze: release it. A release of a freeze never applied is answered
	// FREEZE_NOT_FOUND, nothing to release.
	out, err := releaseFrozen(ctx, f, f.Points, SettleStep(f.Step, StepRelease), freeze.MaybeSent)
	if err != nil {
		return err
	}
	if out.NothingToRelease {
		return abandoned(f, timeout, "the CRM holds no freeze under its token", cause)
	}
	return abandoned(f, timeout, "it was released", cause)
}

// abandoned is the error of a freeze that did not settle and was undone.
func abandoned(f FreezeResult, timeout time.Duration, what string, cause error) error {
	why := fmt.Sprintf("did not settle within %s", timeout)
	if errorType(cause) == activities.ErrOutcomeUnknown {
		why = "was refused after an attempt whose answer was lost"
	}
	msg := fmt.Sprintf("freeze %s of %s points of member %s %s (%s); %s, nothing stays frozen",
		f.FreezeToken, formatPoints(f.Points), f.MemberID, why, errorText(cause), what)
	return temporal.NewNonRetryableApplicationError(msg, ErrFreezeAbandoned, cause)
}

// input is the activity input of a step of freeze f under token, for points.
func (f FreezeResult) input(token string, points float64, maybeSent bool) activities.Input {
	return activities.Input{
		Token:        token,
		FreezeToken:  f.FreezeToken,
		MemberID:     f.MemberID,
		Points:       points,
		Description:  f.Description,
		ShopCode:     f.ShopCode,
		MemberType:   f.MemberType,
		ChannelType:  f.ChannelType,
		PointBizType: f.PointBizType,
		MaybeSent:    maybeSent,
	}
}
