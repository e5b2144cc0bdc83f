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
// as FreezePoints does; the caller then owns the freeze it returns.
func FreezePointsWorkflow(ctx workflow.Context, req FreezeRequest) (FreezeResult, error) {
	return FreezePoints(ctx, req)
}

// FreezePoints freezes req.Points of member req.MemberID for the calling
// workflow, under the token of step "freeze" of its workflow ID, and says
// which freeze holds them. Call it once per workflow: a repeat with the same
// request returns the same freeze, one with another request is refused by
// the CRM (same token, different body), so points are never frozen twice.
//
// Errors: invalid input or a CRM rejection is the activity's error (an
// ApplicationError of type activities.ErrInvalidInput or
// activities.ErrCRMRejected): nothing was frozen. No definite answer within
// req.TimeoutSeconds: the freeze is undone and the error has type
// ErrFreezeAbandoned; if the CRM refuses that undo, ErrReleaseFailed.
func FreezePoints(ctx workflow.Context, req FreezeRequest) (FreezeResult, error) {
	return freezePoints(ctx, req, func(string) {})
}

// freezePoints is FreezePoints with a hook called, with the release token,
// when the freeze must be undone; the redemption shows it in its status.
func freezePoints(ctx workflow.Context, req FreezeRequest, onUndo func(releaseToken string)) (FreezeResult, error) {
	if req.TimeoutSeconds < 0 {
		return FreezeResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("timeoutSeconds must not be negative, got %d", req.TimeoutSeconds), activities.ErrInvalidInput, nil)
	}
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	in := activities.Input{
		Token:       BusinessToken(id, StepFreeze),
		MemberID:    req.MemberID,
		Points:      req.Points,
		Description: req.Description,
		ShopCode:    req.ShopCode,
	}
	timeout := secondsOr(req.TimeoutSeconds, DefaultFreezeTimeout)
	fctx := workflow.WithActivityOptions(ctx, freezeOptions(timeout, activitySummary("freeze", req.Points, req.MemberID)))
	err := workflow.ExecuteActivity(fctx, activities.FreezeName, in).Get(fctx, nil)
	switch {
	case err == nil:
		return FreezeResult{MemberID: req.MemberID, Points: req.Points, FreezeToken: in.Token}, nil
	case isFinal(err):
		return FreezeResult{}, err
	}
	releaseToken := BusinessToken(id, StepRelease)
	onUndo(releaseToken)
	return FreezeResult{}, undoFreeze(ctx, in, releaseToken, timeout, err)
}

// undoFreeze makes sure nothing stays frozen after a freeze whose outcome is
// unknown: its time ran out, or the workflow was cancelled while it ran. It
// always returns an error: ErrFreezeAbandoned, or ErrReleaseFailed.
//
// It first repeats the freeze with the same token, with no deadline: the CRM
// answers with the first outcome, or applies the freeze now if the first
// request never arrived. Only then does it release. Releasing at once could
// overtake a freeze still on its way to the CRM, find nothing to release,
// and leave that freeze stranded when it lands.
func undoFreeze(ctx workflow.Context, freeze activities.Input, releaseToken string, timeout time.Duration, cause error) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	logger := workflow.GetLogger(ctx)
	logger.Warn("freeze outcome unknown, undoing it", "freezeToken", freeze.Token, "error", cause)

	cctx := workflow.WithActivityOptions(ctx, settleOptions(activitySummary("settle the unknown freeze of", freeze.Points, freeze.MemberID)))
	if err := workflow.ExecuteActivity(cctx, activities.FreezeName, freeze).Get(cctx, nil); err != nil {
		if !isFinal(err) {
			return releaseFailed(freeze.Token, err)
		}
		logger.Info("freeze was never applied, nothing to release", "freezeToken", freeze.Token)
		return abandoned(freeze, timeout, "it was never applied", cause)
	}

	release := freeze
	release.Token, release.FreezeToken = releaseToken, freeze.Token
	if _, err := releaseFrozen(ctx, release); err != nil {
		return err
	}
	return abandoned(freeze, timeout, "it was released", cause)
}

// abandoned is the error of a freeze that did not settle in time and was undone.
func abandoned(freeze activities.Input, timeout time.Duration, what string, cause error) error {
	msg := fmt.Sprintf("freeze %s of %s points of member %s did not settle within %s (%s); %s, nothing stays frozen",
		freeze.Token, formatPoints(freeze.Points), freeze.MemberID, timeout, errorText(cause), what)
	return temporal.NewNonRetryableApplicationError(msg, ErrFreezeAbandoned, cause)
}
