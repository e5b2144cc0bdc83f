package startercli

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kylinpoints/kylin-points/workflows"
)

// decision is confirm or cancel: the Update, and what it must end in.
type decision struct {
	update string
	want   workflows.State
	// won lists the recorded decisions that mean this one won.
	won []string
}

var (
	decisionConfirm = decision{workflows.UpdateConfirm, workflows.StateConsumed,
		[]string{workflows.DecisionConfirm, workflows.DecisionConsumeRejected}}
	decisionCancel = decision{workflows.UpdateCancel, workflows.StateReleased,
		[]string{workflows.DecisionCancel}}
)

func (d decision) wonBy(recorded string) bool { return slices.Contains(d.won, recorded) }

// decide sends the confirm or cancel Update and waits until the redemption
// has ended. On a closed redemption it answers from the result: a repeat of
// the decision that won succeeds, any other is refused.
func (a *App) decide(ctx context.Context, d decision, req request) outcome {
	st, runID, err := a.sendDecision(ctx, d, req)
	if err == nil {
		return d.ended(st, runID)
	}
	if workflows.ErrorType(err) == workflows.ErrReleaseFailed {
		return a.strandedOutcome(ctx, req.id, err)
	}
	if ctx.Err() != nil {
		return outcome{report: Report{WorkflowID: req.id, Error: err.Error()},
			problem: fmt.Sprintf("%s %s: stopped waiting (%v); starter status --id %s tells how it ends", d.update, req.id, ctx.Err(), req.id)}
	}

	// Refused, or the redemption has ended: read it to say why.
	f, lerr := a.lookup(ctx, req.id)
	switch {
	case errors.Is(lerr, errNotFound):
		return notFound(req.id, a.Namespace)
	case lerr != nil:
		msg := fmt.Sprintf("%s %s: %s", d.update, req.id, workflows.Reason(err))
		return outcome{report: Report{WorkflowID: req.id, Error: msg}, problem: msg}
	case f.typ != workflows.RedemptionWorkflowName:
		msg := fmt.Sprintf("cannot %s %s: it is a %s, not a redemption", d.update, req.id, f.typ)
		if f.isFreeze() {
			msg += " (settle a freeze with starter release or starter consume)"
		}
		return outcome{report: withError(f.report(), msg), problem: msg}
	case f.stranded != nil:
		return strandedProblem(f)
	case f.closed && f.failure == "" && d.wonBy(f.status.Decision):
		return d.ended(f.status, f.runID)
	}
	msg := fmt.Sprintf("cannot %s %s: redemption is %s", d.update, req.id, f.status.State)
	if f.status.Decision != "" {
		msg += ", decided by " + f.status.Decision
	}
	if workflows.ErrorType(err) == workflows.ErrNotFrozen {
		msg = fmt.Sprintf("%s: %s", req.id, workflows.Reason(err))
	}
	return outcome{report: withError(f.report(), msg), problem: msg}
}

// strandedOutcome reports a redemption that failed because a release could
// not be carried out, as lookup reads it.
func (a *App) strandedOutcome(ctx context.Context, id string, cause error) outcome {
	f, err := a.lookup(ctx, id)
	if err == nil && f.status.State == workflows.StateAttention {
		return attentionProblem(f)
	}
	if err != nil || f.stranded == nil {
		f = found{status: workflows.RedemptionStatus{WorkflowID: id}, stranded: strandedBy(cause, workflows.StrandedFreeze{}), failure: workflows.Reason(cause)}
	}
	return strandedProblem(f)
}

// strandedProblem is the answer about points that stay, or may stay,
// frozen for a person: one line saying so, exit 1.
func strandedProblem(f found) outcome {
	r := f.report()
	why := f.failure
	if why == "" {
		why = f.status.Error
	}
	msg := fmt.Sprintf("%s: failed, points may stay frozen under token %s until a person checks and settles them: %s",
		r.WorkflowID, r.FreezeToken, why)
	if f.stranded.Certain {
		msg = fmt.Sprintf("%s: failed for good, points stay frozen under token %s until a person settles them: %s",
			r.WorkflowID, r.FreezeToken, why)
	}
	r.Error = msg
	return outcome{report: r, problem: msg}
}

// sendDecision sends the Update and waits for the redemption's end
// (workflows.Decide: sent again while the freeze has not settled where the
// Update is validated).
func (a *App) sendDecision(ctx context.Context, d decision, req request) (workflows.RedemptionStatus, string, error) {
	return workflows.Decide(ctx, a.Client, req.id, d.update, req.points)
}

// ended is the answer once the redemption has ended after d won.
func (d decision) ended(st workflows.RedemptionStatus, runID string) outcome {
	out := outcome{report: reportOf(st, runID)}
	if st.State == d.want {
		return out
	}
	if st.Decision == workflows.DecisionConsumeRejected {
		out.problem = fmt.Sprintf("%s: the CRM refused the consume, the points were released: %s", st.WorkflowID, st.Error)
		return out
	}
	out.problem = fmt.Sprintf("%s: ended %s after %s", st.WorkflowID, st.State, d.update)
	if st.Error != "" {
		out.problem += ": " + st.Error
	}
	return out
}

// status reports where a redemption, a freeze or a settlement stands.
func (a *App) status(ctx context.Context, req request) outcome {
	f, err := a.lookup(ctx, req.id)
	switch {
	case errors.Is(err, errNotFound):
		return notFound(req.id, a.Namespace)
	case err != nil:
		msg := fmt.Sprintf("%s: %s", req.id, workflows.Reason(err))
		return outcome{report: Report{WorkflowID: req.id, RunID: f.runID, Error: msg}, problem: msg}
	case f.stranded != nil:
		return strandedProblem(f)
	case f.status.State == workflows.StateAttention:
		out := attentionProblem(f)
		out.report.Retrying = a.retrying(ctx, req.id, f.runID)
		return out
	}
	out := outcome{report: f.report()}
	if f.failure != "" {
		out.problem = f.failure
		out.report = withError(out.report, f.failure)
	}
	if !f.closed {
		out.report.Retrying = a.retrying(ctx, req.id, f.runID)
	}
	return out
}

func notFound(id, namespace string) outcome {
	msg := fmt.Sprintf("workflow %s not found in namespace %s", id, namespace)
	return outcome{report: Report{WorkflowID: id, Error: msg}, problem: msg}
}

func withError(r Report, msg string) Report {
	if r.Error == "" {
		r.Error = msg
	}
	return r
}
