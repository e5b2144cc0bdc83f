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
// as FreezePoints does, except that an undo that could not be carried out
// (ErrReleaseFailed) waits in ATTENTION for a person's retry or resolve
// (parkrun.go; a resolve ends it with ErrResolved); the caller owns the
// freeze it returns, and settles it with ReleasePointsWorkflow or
// ConsumePointsWorkflow.
//
// Its Update awaitFreeze (UpdateAwaitFreeze) answers the same result once
// the freeze has settled, so that a caller can start the run and wait for
// the freeze in one call (Update-with-Start). While undoing a freeze that did
// not settle, it continues as new before its history grows too long
// (req.Undo set), and a caller still waiting is answered
// ErrContinueAsNewSuggested: the points may be held until the run ends.
func FreezePointsWorkflow(ctx workflow.Context, req FreezeRequest) (FreezeResult, error) {
	var (
		done bool
		res  FreezeResult
		err  error
	)
	fr := newFreezeRun(ctx, req)
	st := &fr.status
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAwaitFreeze, func(ctx workflow.Context) (FreezeResult, error) {
		if err := workflow.Await(ctx, func() bool { return done || st.State == StateAttention }); err != nil {
			return FreezeResult{}, err
		}
		if !done {
			// Waiting for a person: the caller hears why, as it did when the run failed.
			return FreezeResult{}, fr.failure
		}
		return res, err
	}, workflow.UpdateHandlerOptions{Description: "wait until the freeze has settled; answers its result"}); err != nil {
		return FreezeResult{}, err
	}
	if err := fr.registerAttentionHandlers(ctx); err != nil {
		return FreezeResult{}, err
	}
	p, perr := prepare(ctx, req.MemberID, req.Body, true)
	if perr != nil {
		return FreezeResult{}, perr
	}
	req.Body = p.body
	fr.req, fr.p = req, p
	ctx = withPrepared(withFirstShape(ctx, p), p)
	if req.Undo {
		st.State = StateReleasing
	}
	if a := resumeAttention(ctx, req.Attention); a != nil && req.Undo {
		// It waited for a person when it continued as new: it waits on.
		st.Attention, fr.req.Attention = a, nil
		err = attentionFailure(*a)
	} else {
		showFirst(ctx, p, st.State, req.Points, detailsOf(*st, time.Time{}))
		ctx = withWaiting(ctx, func(why string) {
			show(ctx, p, st.State, req.Points, time.Time{}, fmt.Sprintf("%s: %s", st.State, why))
		})
		res, err = freezePoints(ctx, req, func(_ string, slow bool) {
			if !slow {
				return
			}
			st.State = StateReleasing
			show(ctx, p, st.State, req.Points, time.Time{}, "RELEASING: undoing a freeze that did not settle")
		})
	}
	err = fr.needsPerson(ctx, err, versionAttentionFreeze, fr)
	if fr.parks > 0 && err == nil {
		// A person resolved it: nothing held for the caller, by their word.
		err = resolvedFreeze(*st)
	}
	done = true
	if ErrorType(err) == ErrContinueAsNewSuggested {
		// Still undoing after a long outage, or still waiting for a
		// person: the next run carries on.
		fr.continuing = true
		if err := drainHandlers(ctx); err != nil {
			return FreezeResult{}, err
		}
		next := req
		next.Undo, next.Attention = true, nil
		if fr.next != nil {
			next = *fr.next
		}
		return FreezeResult{}, workflow.NewContinueAsNewError(ctx, FreezePointsWorkflowName, next)
	}
	fr.done = true
	if st.State != StateResolved {
		st.State = StateFrozen
		if err != nil {
			st.State, st.Error = StateFailed, errorText(err)
			if ErrorType(err) == ErrReleaseFailed {
				st.State = StateReleasing
			}
		}
		show(ctx, p, st.State, req.Points, time.Time{}, detailsOf(*st, time.Time{}))
	}
	if awaitErr := drainHandlers(ctx); awaitErr != nil {
		return FreezeResult{}, awaitErr
	}
	return res, err
}

// FreezePoints freezes req.Points of member req.MemberID for the calling
// workflow and says which freeze holds them. The freeze is named by the
// calling workflow's ID and req.Step (default "freeze"): the same step is the
// same freeze, whether asked again in the same run, after a reset, or after
// the workflow continued as new; the CRM answers a repeat from its record.
// A workflow that freezes twice names a second step (e.g. "freeze/2"), each
// with its own release and consume tokens. Settle the result with
// ReleasePoints or ConsumePoints.
//
// What a refusal proves (docs/design.md): nothing by itself. A freeze the
// CRM refused, or that did not settle within req.TimeoutSeconds, is undone by
// a release under its own reference, and the CRM's answer to that release
// decides:
//   - activities.ErrInvalidInput: the input failed validation; nothing sent.
//   - activities.ErrCRMRejected: the CRM refused the freeze (e.g. not enough
//     points) and the release found no freeze under its token: nothing frozen.
//   - ErrFreezeAbandoned: the freeze did not settle, or was refused, and was
//     undone; nothing stays frozen.
//   - ErrReleaseFailed: the undo's release could not be carried out; the
//     points may stay frozen, for a person (StrandedFreeze).
//   - ErrContinueAsNewSuggested: the undo has been retried for so long that
//     the calling workflow should continue as new, and call FreezePoints
//     there with the same request and Undo set.
func FreezePoints(ctx workflow.Context, req FreezeRequest) (FreezeResult, error) {
	return freezePoints(ctx, req, nil)
}

// freezePoints is FreezePoints with a hook called, with the release token,
// when the freeze must be undone (slow: undone the slow way, retried until
// the CRM answers; else a refusal checked by a release within the freeze's
// budget); the redemption shows it in its status.
func freezePoints(ctx workflow.Context, req FreezeRequest, onUndo func(releaseToken string, slow bool)) (FreezeResult, error) {
	if err := checkSeconds(ctx, "timeoutSeconds", req.TimeoutSeconds, MaxFreezeTimeout); err != nil {
		return FreezeResult{}, err
	}
	step := freezeStepOf(req.Step)
	if err := checkFreezeStep(step); err != nil {
		return FreezeResult{}, invalidInput("%v", err)
	}
	p, ok := ctx.Value(preparedKey{}).(prepared)
	var err error
	if !ok {
		if p, err = prepare(ctx, req.MemberID, req.Body, false); err != nil {
			return FreezeResult{}, err
		}
	}
	if why := p.refusal(); why != "" && !req.Undo {
		return FreezeResult{}, invalidInput("%s: refused before any CRM call", why)
	}
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
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
	u := undo{f: f, timeout: secondsOr(req.TimeoutSeconds, DefaultFreezeTimeout), onUndo: onUndo}
	u.in = f.input(f.FreezeToken, f.Points, tokensMayBeUsed(ctx))
	u.in.FreezeToken = ""
	if req.Undo {
		return FreezeResult{}, u.unknown(ctx, "it was being undone when the workflow continued as new")
	}
	fctx := workflow.WithActivityOptions(ctx, freezeOptions(u.timeout, activitySummary("freeze", req.Points, req.MemberID), req.ShopCode))
	var out activities.Output
	err = workflow.ExecuteActivity(fctx, acts.Freeze, u.in).Get(fctx, &out)
	d, _ := rejection(err)
	switch t := ErrorType(err); {
	case err == nil:
		f.Replayed = out.Replayed && out.Attempt == 1 && !u.in.MaybeSent
		if f.Replayed {
			workflow.GetLogger(ctx).Warn("the CRM answered the first freeze attempt from its idempotency record: its token was likely used before this workflow (or an operator reset the activity after a lost answer)",
				"freezeToken", f.FreezeToken)
		}
		return f, nil
	case t == activities.ErrInvalidInput || t == activities.ErrCRMRejected:
		// Nothing sent; or, in a history recorded before ErrCRMRefused, a
		// refusal the activity then took as proof.
		return FreezeResult{}, err
	case t == activities.ErrCRMRefused && d.Business():
		return FreezeResult{}, u.refused(ctx, err)
	}
	return FreezeResult{}, u.unknown(ctx, why(err, u.timeout))
}

// why says, for a person, why a freeze's outcome is unknown.
func why(err error, timeout time.Duration) string {
	if _, ok := rejection(err); ok {
		return fmt.Sprintf("it was refused (%s)", errorText(err))
	}
	return fmt.Sprintf("it did not settle within %s (%s)", timeout, errorText(err))
}

// undo settles a freeze that did not end with the CRM's success under its
// token: a refusal proves nothing by itself (an earlier request under the
// same token may have been applied with its answer lost), so the freeze is
// released under its own reference, and the CRM's answer to the release says
// what held: a release that finds no freeze (crm.FreezeNotFound) proves
// nothing is frozen; one that goes through undid the freeze.
type undo struct {
	f       FreezeResult
	in      activities.Input
	timeout time.Duration
	// onUndo, if set, hears that the freeze is being undone (freezePoints).
	onUndo func(releaseToken string, slow bool)
}

// hear tells the hook, if any, that the freeze is being undone.
func (u undo) hear(slow bool) {
	if u.onUndo != nil {
		u.onUndo(BusinessToken(u.f.WorkflowID, u.releaseStep()), slow)
	}
}

// releaseStep is the step of the release that undoes the freeze.
func (u undo) releaseStep() string { return SettleStep(u.f.Step, StepRelease) }

// refused settles a freeze the CRM refused with a business answer under its
// token (e.g. not enough points): the usual case, answered at once. While
// the release runs the redemption stays FREEZING, within the freeze's own
// budget, so that the caller hears "refused" rather than "being undone";
// only a release that does not settle in that time becomes a slow undo.
func (u undo) refused(ctx workflow.Context, refusal error) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	u.hear(false)
	in := u.f.input(BusinessToken(u.f.WorkflowID, u.releaseStep()), u.f.Points, u.in.MaybeSent)
	rctx := workflow.WithActivityOptions(ctx, freezeOptions(u.timeout, activitySummary("release", u.f.Points, u.f.MemberID), u.f.ShopCode))
	var out activities.Output
	err := workflow.ExecuteActivity(rctx, acts.Release, in).Get(rctx, &out)
	if err == nil {
		return u.settled(ctx, out, "it was refused ("+errorText(refusal)+")", refusal)
	}
	if retriesRanOut(err) {
		// No answer within the budget: undo it the slow way.
		return u.release(ctx, "it was refused ("+errorText(refusal)+")", refusal)
	}
	return releaseFailed(u.f, u.f.Points, err)
}

// unknown undoes a freeze whose outcome is unknown: its time ran out, the
// workflow was cancelled while it ran, or the CRM refused it without a
// business answer. It first asks again under the same token until the CRM
// answers under the token (with the first outcome, or by applying the freeze
// now if no request ever arrived), and only then releases: releasing at once
// could overtake a freeze still on its way to the CRM, find nothing, and
// leave that freeze stranded when it lands.
func (u undo) unknown(ctx workflow.Context, reason string) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	u.hear(true)
	workflow.GetLogger(ctx).Warn("freeze outcome unknown, undoing it", "freezeToken", u.f.FreezeToken, "why", reason)
	recheck := u.in
	recheck.Recheck = !isFirstShape(ctx)
	err := carryOut(ctx, acts.Freeze, recheck, activitySummary("settle the unknown freeze of", u.f.Points, u.f.MemberID), nil)
	switch ErrorType(err) {
	case ErrContinueAsNewSuggested:
		return err
	case activities.ErrCRMRejected:
		// A history recorded before ErrCRMRefused: the business answer
		// under the token was taken as proof that it was never applied.
		return abandoned(u.f, reason, "the CRM says it was never applied")
	}
	return u.release(ctx, reason, nil)
}

// release undoes the freeze by a release under its own reference, retried
// until the CRM answers.
func (u undo) release(ctx workflow.Context, reason string, refusal error) error {
	if refusal != nil {
		u.hear(true)
	}
	in := u.f.input(BusinessToken(u.f.WorkflowID, u.releaseStep()), u.f.Points, u.in.MaybeSent)
	var out activities.Output
	err := carryOut(ctx, acts.Release, in, activitySummary("release", u.f.Points, u.f.MemberID), &out)
	switch {
	case ErrorType(err) == ErrContinueAsNewSuggested:
		return err
	case err != nil:
		return releaseFailed(u.f, u.f.Points, err)
	}
	return u.settled(ctx, out, reason, refusal)
}

// settled is the error of a freeze whose undoing release the CRM answered.
func (u undo) settled(ctx workflow.Context, out activities.Output, reason string, refusal error) error {
	if !out.NothingToRelease {
		return abandoned(u.f, reason, "it was released")
	}
	workflow.GetLogger(ctx).Info("nothing to release", "freezeToken", u.f.FreezeToken)
	if refusal != nil {
		// The refusal stands, and the CRM holds no freeze under the token:
		// nothing frozen, with the CRM's own reason.
		d, _ := rejection(refusal)
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s; the CRM holds no freeze under token %s, nothing frozen",
			errorText(refusal), u.f.FreezeToken), activities.ErrCRMRejected, nil, d)
	}
	return abandoned(u.f, reason, "the CRM holds no freeze under its token")
}

// abandoned is the error of a freeze that did not settle and was undone.
func abandoned(f FreezeResult, reason, what string) error {
	msg := fmt.Sprintf("freeze %s of %s points of member %s was undone: %s; %s, nothing stays frozen",
		f.FreezeToken, crm.FormatPoints(f.Points), f.MemberID, reason, what)
	return temporal.NewNonRetryableApplicationError(msg, ErrFreezeAbandoned, nil)
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

// tokensMayBeUsed reports whether this run is not the first of its workflow
// ID's chain (a reset, a retry, a continue-as-new): an earlier run may then
// have sent this run's tokens already. It is recorded in activity inputs
// (MaybeSent) for people; no decision depends on it.
func tokensMayBeUsed(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	run := info.WorkflowExecution.RunID
	return info.FirstRunID != "" && info.FirstRunID != run || info.OriginalRunID != "" && info.OriginalRunID != run
}

// drainHandlers waits until every Update handler has answered, so that the
// run may end or continue as new.
func drainHandlers(ctx workflow.Context) error {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	return workflow.Await(dctx, func() bool { return workflow.AllHandlersFinished(dctx) })
}
