package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
)

// FreezePointsWorkflow is the freeze step alone, startable by name
// (FreezePointsWorkflowName) from any language or the temporal CLI. It fails
// as FreezePoints does; the caller then owns the freeze it returns, and
// settles it with ReleasePointsWorkflow or ConsumePointsWorkflow.
//
// Its Update awaitFreeze (UpdateAwaitFreeze) answers the same result once
// the freeze has settled, so that a caller can start the run and wait for
// the freeze in one call (Update-with-Start).
func FreezePointsWorkflow(ctx workflow.Context, req FreezeRequest) (FreezeResult, error) {
	var (
		done bool
		res  FreezeResult
		err  error
	)
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAwaitFreeze, func(ctx workflow.Context) (FreezeResult, error) {
		if err := workflow.Await(ctx, func() bool { return done }); err != nil {
			return FreezeResult{}, err
		}
		return res, err
	}, workflow.UpdateHandlerOptions{Description: "wait until the freeze has settled; answers its result"}); err != nil {
		return FreezeResult{}, err
	}
	p, perr := prepare(ctx, req.MemberID, req.Body, true)
	if perr != nil {
		return FreezeResult{}, perr
	}
	req.Body = p.body
	st := RedemptionStatus{State: StateFreezing, MemberID: req.MemberID, Points: req.Points}
	show(ctx, p, st.State, req.Points, time.Time{}, detailsOf(st, time.Time{}))
	ctx = withWaiting(ctx, func(why string) {
		show(ctx, p, st.State, req.Points, time.Time{}, fmt.Sprintf("%s: %s", st.State, why))
	})
	res, err = freezePoints(ctx, req, func(string) {
		st.State = StateReleasing
		show(ctx, p, st.State, req.Points, time.Time{}, "RELEASING: undoing a freeze that did not settle")
	})
	done = true
	st.State = StateFrozen
	if err != nil {
		st.State, st.Error = StateFailed, errorText(err)
		if ErrorType(err) == ErrReleaseFailed {
			st.State = StateReleasing
		}
	}
	show(ctx, p, st.State, req.Points, time.Time{}, detailsOf(st, time.Time{}))
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	if awaitErr := workflow.Await(dctx, func() bool { return workflow.AllHandlersFinished(dctx) }); awaitErr != nil {
		return FreezeResult{}, awaitErr
	}
	return res, err
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
	p, err := prepare(ctx, req.MemberID, req.Body, false)
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
		Body:        p.body,
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
	err := carryOut(ctx, acts.Freeze, recheck, activitySummary("settle the unknown freeze of", f.Points, f.MemberID), nil)
	if ErrorType(err) == activities.ErrCRMRejected {
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
	if ErrorType(cause) == activities.ErrOutcomeUnknown {
		why = "was refused after an attempt whose answer was lost"
	}
	msg := fmt.Sprintf("freeze %s of %s points of member %s %s (%s); %s, nothing stays frozen",
		f.FreezeToken, crm.FormatPoints(f.Points), f.MemberID, why, errorText(cause), what)
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
