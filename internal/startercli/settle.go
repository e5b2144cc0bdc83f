package startercli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

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

func (d decision) wonBy(recorded string) bool {
	for _, w := range d.won {
		if w == recorded {
			return true
		}
	}
	return false
}

// decide sends the confirm or cancel Update and waits until the redemption
// has ended. On a closed redemption it answers from the result: a repeat of
// the decision that won succeeds, any other is refused.
func (a *App) decide(ctx context.Context, d decision, req request) outcome {
	st, runID, err := a.sendDecision(ctx, d, req.id)
	if err == nil {
		return d.ended(st, runID)
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
		msg := fmt.Sprintf("%s %s: %s", d.update, req.id, reason(err))
		return outcome{report: Report{WorkflowID: req.id, Error: msg}, problem: msg}
	case f.freeze:
		msg := fmt.Sprintf("cannot %s %s: it is a %s, not a redemption", d.update, req.id, workflows.FreezePointsWorkflowName)
		return outcome{report: withError(reportOf(f.status, f.runID), msg), problem: msg}
	case f.closed && f.failure == "" && d.wonBy(f.status.Decision):
		return d.ended(f.status, f.runID)
	}
	msg := fmt.Sprintf("cannot %s %s: redemption is %s", d.update, req.id, f.status.State)
	if f.status.Decision != "" {
		msg += ", decided by " + f.status.Decision
	}
	if errorType(err) == workflows.ErrNotFrozen {
		msg = fmt.Sprintf("%s: %s", req.id, reason(err))
	}
	return outcome{report: withError(reportOf(f.status, f.runID), msg), problem: msg}
}

// sendDecision sends the Update and waits for the redemption's end. While
// the freeze has not settled where the Update is validated, it is refused
// as not FROZEN; a confirm sent right after redeem, or reaching a worker that
// is still replaying the freeze, meets that. So a refusal while the status
// says FREEZING or FROZEN is sent again, for as long as redeem would wait.
func (a *App) sendDecision(ctx context.Context, d decision, id string) (workflows.RedemptionStatus, string, error) {
	deadline := time.Now().Add(a.freezeWait())
	for {
		handle, err := a.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: id,
			// A fixed ID: a repeated confirm joins the first one instead of
			// queueing a second.
			UpdateID:     d.update,
			UpdateName:   d.update,
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		var st workflows.RedemptionStatus
		if err == nil {
			err = handle.Get(ctx, &st)
		}
		if err == nil {
			return st, handle.RunID(), nil
		}
		if errorType(err) != workflows.ErrNotFrozen || !time.Now().Before(deadline) || !a.stillDeciding(ctx, id) {
			return st, "", err
		}
		select {
		case <-ctx.Done():
			return st, "", err
		case <-time.After(a.pollInterval()):
		}
	}
}

// stillDeciding reports whether redemption id is running and not yet past FROZEN.
func (a *App) stillDeciding(ctx context.Context, id string) bool {
	f, err := a.lookup(ctx, id)
	return err == nil && !f.closed && (f.status.State == workflows.StateFreezing || f.status.State == workflows.StateFrozen)
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

// status reports where a redemption or a freeze stands.
func (a *App) status(ctx context.Context, req request) outcome {
	f, err := a.lookup(ctx, req.id)
	switch {
	case errors.Is(err, errNotFound):
		return notFound(req.id, a.Namespace)
	case err != nil:
		msg := fmt.Sprintf("%s: %s", req.id, reason(err))
		return outcome{report: Report{WorkflowID: req.id, RunID: f.runID, Error: msg}, problem: msg}
	}
	out := outcome{report: reportOf(f.status, f.runID)}
	if f.failure != "" {
		out.problem = f.failure
		out.report = withError(out.report, f.failure)
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
