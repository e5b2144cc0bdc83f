package workflows

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/safetext"
)

// Needs a person (docs/design.md, Needs a person). A redemption whose points
// are, or may be, held with nothing left to settle them (a release the CRM
// refused for good, an answer that proves neither way: ErrReleaseFailed)
// does not end: it waits in ATTENTION for an operator's Update, retry
// (settle again now, same tokens) or resolve (a person settled it at the
// CRM; the run ends RESOLVED with their note and identity). Runs recorded
// before this change (no versionAttention marker) fail as they did.

// versionAttention is the change ID of parking in ATTENTION.
const versionAttention = "kylin-points.attention"

// Bounds of what a person's resolve carries into the history.
const (
	maxNoteChars     = 1000
	maxIdentityChars = 255
)

// maxParkedRetries bounds the retries one run carries out while it waits
// for a person; then it continues as new (the same tokens), so that a run
// retried by a script for weeks keeps a short history.
const maxParkedRetries = 50

// parking is the part of a run that may wait in ATTENTION for a person:
// the redemption's, and those of the workflows kylin-points owns that hold
// or settle a freeze (FreezePointsWorkflow, ReleasePointsWorkflow,
// ConsumePointsWorkflow). FreezePoints, ReleasePoints and ConsumePoints,
// called from other teams' workflows, never park: they return the error.
type parking struct {
	// st is the run's status, which the Updates answer and the query shows;
	// kind names the run for people ("" is a redemption).
	st   *RedemptionStatus
	kind string
	// done and failure say that the run has ended and how; continuing that
	// it is about to continue as new.
	done       bool
	failure    error
	continuing bool
	// action is the Update acting on a run in ATTENTION, resolution the
	// resolve's request; parks counts the times this run parked, retries
	// the retries it carried out.
	action     string
	resolution ResolveRequest
	parks      int
	retries    int
	// version is the run's version of its change ID (attentionVersion).
	version      workflow.Version
	versionAsked bool
}

// kindOr names the run for people.
func (p *parking) kindOr() string {
	if p.kind == "" {
		return "redemption"
	}
	return p.kind
}

// parker is what a workflow that parks does around the wait.
type parker interface {
	// canRetry says whether a retry knows what to settle.
	canRetry() bool
	// held is the freeze that may hold the points.
	held() FreezeResult
	// to moves the run to state s, shown to people.
	to(ctx workflow.Context, s State)
	// show shows details in state s.
	show(ctx workflow.Context, details string)
	// resolved ends the run RESOLVED.
	resolved(ctx workflow.Context)
	// again settles again under the same tokens (a person's retry).
	again(ctx workflow.Context) error
	// waitOn says what the next run carries, to wait on after a
	// continue-as-new: a, the same tokens.
	waitOn(a *Attention)
}

// needsPerson parks the run in ATTENTION while err is a release that could
// not be carried out, and returns what the person's Update led to: nil once
// resolved or settled by a retry, ErrContinueAsNewSuggested (after
// k.waitOn) when the run continues as new. Other errors pass through, and
// so does every error of a run recorded before changeID.
func (p *parking) needsPerson(ctx workflow.Context, err error, changeID string, k parker) error {
	for ErrorType(err) == ErrReleaseFailed && k.canRetry() {
		if p.attentionVersion(ctx, changeID) < 1 {
			return err
		}
		err = p.park(ctx, err, k)
	}
	return err
}

// attentionVersion is the run's version of changeID, asked once.
func (p *parking) attentionVersion(ctx workflow.Context, changeID string) workflow.Version {
	if !p.versionAsked {
		p.version = workflow.GetVersion(ctx, changeID, workflow.DefaultVersion, 1)
		p.versionAsked = true
	}
	return p.version
}

// park waits in ATTENTION, after cause, for a person's retry or resolve.
func (p *parking) park(ctx workflow.Context, cause error, k parker) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx) // points may be held: cancelling does not end the wait
	a := p.attentionFor(ctx, cause, k.held())
	p.st.Attention, p.st.Error = a, a.Why
	p.failure = attentionFailureOf(p.kindOr(), *a)
	p.action = ""
	p.parks++
	k.to(ctx, StateAttention)
	workflow.GetLogger(ctx).Warn("points may be held: waiting for a person (retry or resolve)", "freezeToken", a.FreezeToken, "why", a.Why)
	if err := workflow.Await(ctx, func() bool { return p.action != "" || p.parkedTooLong(ctx) }); err != nil {
		return err
	}
	switch p.action {
	case UpdateResolve:
		p.failure = nil
		p.st.Resolution = &Resolution{Note: p.resolution.Note, Identity: p.resolution.Identity, ResolvedAt: workflow.Now(ctx)}
		workflow.GetLogger(ctx).Info("resolved by a person", "identity", p.resolution.Identity, "note", p.resolution.Note)
		k.resolved(ctx)
		return nil
	case UpdateRetry:
		p.failure = nil
		p.retries++
		a.Retries++
		workflow.GetLogger(ctx).Info("retrying the settlement, as a person asked", "freezeToken", a.FreezeToken)
		return k.again(withWaiting(ctx, func(why string) { k.show(ctx, fmt.Sprintf("%s: %s", p.st.State, why)) }))
	}
	// Waited long enough in this run: the next one waits on, same tokens.
	k.waitOn(a)
	return temporal.NewNonRetryableApplicationError("waiting for a person: the run continues as new to keep its history short", ErrContinueAsNewSuggested, nil)
}

// parkedTooLong reports whether a run waiting in ATTENTION should continue as new.
func (p *parking) parkedTooLong(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= maxHistoryEvents || p.retries >= maxParkedRetries
}

// attentionFor is the Attention of a run parking after cause: since when
// (kept from an earlier park of this run's chain), why, and what may be
// held (f, unless cause names the freeze).
func (p *parking) attentionFor(ctx workflow.Context, cause error, f FreezeResult) *Attention {
	a := &Attention{Since: workflow.Now(ctx)}
	if prev := p.st.Attention; prev != nil {
		a.Since, a.Retries = prev.Since, prev.Retries
	}
	a.Why = errorText(cause)
	a.FreezeToken, a.MemberID, a.Points = f.FreezeToken, f.MemberID, f.Points
	var s StrandedFreeze
	if appErr, ok := errors.AsType[*temporal.ApplicationError](cause); ok && appErr.HasDetails() && appErr.Details(&s) == nil && s.FreezeToken != "" {
		a.FreezeToken, a.MemberID, a.Points, a.Certain = s.FreezeToken, s.MemberID, s.Points, s.Certain
	}
	return a
}

// The redemption parks through these (parker).

func (r *redemption) canRetry() bool     { return r.retryFrom != nil }
func (r *redemption) held() FreezeResult { return r.retryFrom.Freeze }
func (r *redemption) resolved(ctx workflow.Context) {
	r.settle(ctx, StateResolved)
}
func (r *redemption) again(ctx workflow.Context) error { return r.settleAgain(ctx, *r.retryFrom) }
func (r *redemption) waitOn(a *Attention) {
	next := *r.retryFrom
	next.Status, next.Attention = r.status, a
	r.resume = &next
}

// attentionFailure is what a confirm or cancel still waiting hears when the
// run parks: the ErrReleaseFailed it always heard, saying where it waits.
func attentionFailure(a Attention) error {
	return attentionFailureOf("redemption", a)
}

// attentionFailureOf is attentionFailure for a run of kind.
func attentionFailureOf(kind string, a Attention) error {
	msg := a.Why
	if !strings.Contains(msg, "waits in ATTENTION") {
		msg += "; the " + kind + " waits in ATTENTION for a person: retry or resolve"
	}
	return temporal.NewNonRetryableApplicationError(msg, ErrReleaseFailed, nil,
		StrandedFreeze{FreezeToken: a.FreezeToken, MemberID: a.MemberID, Points: a.Points, Certain: a.Certain})
}

// settleAgain carries out the settlement res describes, under its tokens:
// the undo of a freeze that did not settle, or the decision taken.
func (r *redemption) settleAgain(ctx workflow.Context, res RedemptionResume) error {
	if res.Undo {
		r.to(ctx, StateReleasing)
	}
	return r.settleResumed(ctx, res)
}

// registerAttentionHandlers sets the retry and resolve Updates. Each is
// accepted only while the run waits in ATTENTION and no other is acting on
// it; any other is rejected (ErrNotInAttention) and never reaches the history.
func (r *parking) registerAttentionHandlers(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateRetry,
		func(ctx workflow.Context) (RedemptionStatus, error) {
			if err := r.checkAttention(UpdateRetry); err != nil {
				return RedemptionStatus{}, err
			}
			gen := r.parks
			r.action = UpdateRetry
			dctx, _ := workflow.NewDisconnectedContext(ctx)
			if err := workflow.Await(dctx, func() bool { return r.done || r.continuing || r.parks > gen }); err != nil {
				return RedemptionStatus{}, err
			}
			if r.done && r.failure != nil {
				return RedemptionStatus{}, r.failure
			}
			return *r.st, nil
		},
		workflow.UpdateHandlerOptions{
			Validator:   func(workflow.Context) error { return r.checkAttention(UpdateRetry) },
			Description: "settle a run in ATTENTION again now, under the same tokens; answers the status after the attempt (ATTENTION again if it failed)",
		}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateResolve,
		func(ctx workflow.Context, req ResolveRequest) (RedemptionStatus, error) {
			if err := r.checkResolve(req); err != nil {
				return RedemptionStatus{}, err
			}
			r.action = UpdateResolve
			r.resolution = ResolveRequest{Note: safetext.Line(req.Note, maxNoteChars), Identity: safetext.Line(req.Identity, maxIdentityChars)}
			dctx, _ := workflow.NewDisconnectedContext(ctx)
			if err := workflow.Await(dctx, func() bool { return r.done || r.continuing }); err != nil {
				return RedemptionStatus{}, err
			}
			return *r.st, nil
		},
		workflow.UpdateHandlerOptions{
			Validator:   func(_ workflow.Context, req ResolveRequest) error { return r.checkResolve(req) },
			Description: "a person settled a run in ATTENTION at the CRM: {\"note\": TEXT, \"identity\": WHO}; ends it RESOLVED",
		})
}

// checkAttention says whether Update name may act now. It must not change state.
func (r *parking) checkAttention(name string) error {
	if r.st.State == StateAttention && r.action == "" && !r.continuing && !r.done {
		return nil
	}
	msg := fmt.Sprintf("cannot %s: %s is %s, not waiting for a person (ATTENTION)", name, r.kindOr(), r.st.State)
	if r.st.State == StateAttention {
		msg = fmt.Sprintf("cannot %s: a %s is already acting on the %s", name, r.action, r.kindOr())
	}
	return temporal.NewNonRetryableApplicationError(msg, ErrNotInAttention, nil, *r.st)
}

// checkResolve checks a resolve: in ATTENTION, with a note and an identity.
func (r *parking) checkResolve(req ResolveRequest) error {
	if err := r.checkAttention(UpdateResolve); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"note", req.Note}, {"identity", req.Identity}} {
		switch {
		case strings.TrimSpace(f.v) == "":
			return invalidInput("resolve: %s is required (what the person found and did at the CRM, and who they are)", f.name)
		case !utf8.ValidString(f.v):
			return invalidInput("resolve: %s is not valid UTF-8", f.name)
		}
	}
	return nil
}

// attentionDetails is the current details of a run in ATTENTION or RESOLVED.
func attentionDetails(st RedemptionStatus) string {
	a := st.Attention
	if a == nil {
		return fmt.Sprintf("%s: %s points of member %s", st.State, crm.FormatPoints(st.Points), st.MemberID)
	}
	held := "may be held"
	if a.Certain {
		held = "are held"
	}
	if st.State == StateResolved && st.Resolution != nil {
		return fmt.Sprintf("RESOLVED by %s: %s (had waited since %s: %s)", st.Resolution.Identity, st.Resolution.Note,
			a.Since.UTC().Format("2006-01-02 15:04:05 UTC"), a.Why)
	}
	return fmt.Sprintf("ATTENTION since %s: %s points of member %s %s under freeze token %s; waiting for a person "+
		"(Update retry, or resolve with a note): %s", a.Since.UTC().Format("2006-01-02 15:04:05 UTC"), crm.FormatPoints(a.Points),
		a.MemberID, held, a.FreezeToken, a.Why)
}
