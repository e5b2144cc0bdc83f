package startercli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

// settleSlack is added to the freeze timeout when waiting for the freeze:
// time to be picked up by a worker and to report back.
const settleSlack = 30 * time.Second

// redeem starts a RedemptionWorkflow and waits until its freeze has
// settled, in one request (workflows.Redeem: Update-with-Start).
func (a *App) redeem(ctx context.Context, req request) outcome {
	in := workflows.RedemptionRequest{
		MemberID:    req.member,
		Points:      req.points,
		Description: req.description,
		ShopCode:    req.shop,
		HoldSeconds: int64(req.hold / time.Second),
	}
	id := cmp.Or(req.id, "redeem-"+uuid.NewString())
	wctx, cancel := context.WithTimeout(ctx, a.freezeWait())
	defer cancel()
	stopCheck := a.warnIfNoWorker(wctx)
	st, runID, err := workflows.Redeem(wctx, a.Client, id, a.TaskQueue, in, workflows.WithMember(a.Search.ShownMember(req.member)))
	stopCheck()
	if err != nil {
		pending := Report{WorkflowID: id, RunID: runID, MemberID: req.member, Points: req.points}
		if runID != "" {
			pending.State, pending.FreezeToken = string(workflows.StateFreezing), workflows.BusinessToken(id, workflows.StepFreeze)
		}
		pending.Error = a.startProblem(ctx, wctx, id, runID, err)
		return outcome{report: pending, problem: pending.Error}
	}
	st.WorkflowID = cmp.Or(st.WorkflowID, id)
	st.FreezeToken = cmp.Or(st.FreezeToken, workflows.BusinessToken(id, workflows.StepFreeze))
	return frozenOutcome(found{status: st, runID: runID, typ: workflows.RedemptionWorkflowName})
}

// startProblem says why a start-and-wait (redeem, freeze) did not answer.
func (a *App) startProblem(ctx, wctx context.Context, id, runID string, err error) string {
	switch {
	case isAlreadyStarted(err):
		return fmt.Sprintf("workflow %s already exists (a workflow ID is never reused; starter status --id %s)", id, id)
	case ctx.Err() != nil:
		return fmt.Sprintf("%s: stopped waiting for the freeze (%v); starter status --id %s tells how it ends", id, ctx.Err(), id)
	case wctx.Err() != nil && runID != "":
		return fmt.Sprintf("%s: the freeze did not settle within %s; is a worker polling task queue %s? (starter status --id %s)",
			id, a.freezeWait(), a.TaskQueue, id)
	case wctx.Err() != nil:
		return fmt.Sprintf("starting %s: no answer within %s (%v)", id, a.freezeWait(), err)
	default:
		return fmt.Sprintf("starting %s: %v", id, err)
	}
}

// frozenOutcome is redeem's answer once the freeze has settled. It succeeds
// only when the points are held: FROZEN, or already being consumed by a
// confirm. FAILED is the CRM's refusal (nothing frozen); RELEASING or
// RELEASED means the freeze did not hold (undone, or released already).
func frozenOutcome(f found) outcome {
	out := outcome{report: f.report()}
	switch st := f.status; {
	case f.stranded != nil:
		return strandedProblem(f)
	case f.failure != "":
		out.problem = f.failure
	case st.State == workflows.StateAttention:
		return attentionProblem(f)
	case st.State == workflows.StateFailed:
		out.problem = fmt.Sprintf("%s: FAILED: %s", st.WorkflowID, st.Error)
	case st.State == workflows.StateFrozen, st.State == workflows.StateConsuming, st.State == workflows.StateConsumed:
		out.warnings = replayedWarnings(st.WorkflowID, st.Replayed)
	default:
		out.problem = fmt.Sprintf("%s: the points are not held: the redemption is %s", st.WorkflowID, st.State)
		if st.FrozenAt.IsZero() {
			out.problem += " (the freeze did not settle and is being undone)"
		}
		if st.Error != "" {
			out.problem += ": " + st.Error
		}
	}
	return out
}

// replayedWarnings warn that the CRM answered a first request from its
// idempotency record: the token was used before this workflow existed.
func replayedWarnings(id string, steps []string) []string {
	var w []string
	for _, s := range steps {
		w = append(w, fmt.Sprintf("warning: %s: the CRM answered the first %s from its idempotency record: its token was used "+
			"before this workflow (a workflow ID reused after Temporal's retention, or another deployment on the same CRM); "+
			"the result is that earlier request's", id, s))
	}
	return w
}

// freeze starts a FreezePointsWorkflow and waits for its freeze, in one
// request (workflows.Freeze: Update-with-Start).
func (a *App) freeze(ctx context.Context, req request) outcome {
	in := workflows.FreezeRequest{MemberID: req.member, Points: req.points, Description: req.description, ShopCode: req.shop}
	id := cmp.Or(req.id, "freeze-"+uuid.NewString())
	wctx, cancel := context.WithTimeout(ctx, a.freezeWait())
	defer cancel()
	stopCheck := a.warnIfNoWorker(wctx)
	res, runID, err := workflows.Freeze(wctx, a.Client, id, a.TaskQueue, in, workflows.WithMember(a.Search.ShownMember(req.member)))
	stopCheck()
	report := Report{WorkflowID: id, RunID: runID, MemberID: req.member, Points: req.points}
	if runID != "" {
		report.FreezeToken = workflows.BusinessToken(id, workflows.StepFreeze)
	}
	switch {
	case err == nil:
		report.State, report.FreezeToken = string(workflows.StateFrozen), res.FreezeToken
		if res.Replayed {
			report.Replayed = []string{res.Step}
		}
		return outcome{report: report, warnings: replayedWarnings(id, report.Replayed)}
	case isAlreadyStarted(err) || wctx.Err() != nil || runID == "":
		if runID != "" {
			report.State = string(workflows.StateFreezing)
		}
		report.Error = a.startProblem(ctx, wctx, id, runID, err)
		return outcome{report: report, problem: report.Error}
	}
	switch workflows.ErrorType(err) {
	case activities.ErrInvalidInput, activities.ErrCRMRejected, workflows.ErrFreezeAbandoned:
		report.State, report.Error = string(workflows.StateFailed), workflows.Reason(err)
		return outcome{report: report, problem: fmt.Sprintf("%s: FAILED: %s", id, report.Error)}
	}
	if workflows.ErrorType(err) == workflows.ErrReleaseFailed && strings.Contains(workflows.Reason(err), "waits in ATTENTION") {
		// The undo could not be carried out: the run waits for a person, or failed.
		if f, lerr := a.lookup(ctx, id); lerr == nil && f.status.State == workflows.StateAttention {
			return attentionProblem(f)
		}
	}
	return strandedProblem(found{status: workflows.RedemptionStatus{WorkflowID: id, MemberID: req.member, Points: req.points,
		FreezeToken: report.FreezeToken}, runID: runID, failure: workflows.Reason(err),
		stranded: strandedBy(err, workflows.StrandedFreeze{FreezeToken: report.FreezeToken})})
}

// settleFreeze settles the freeze of FreezePointsWorkflow req.id with a
// ReleasePointsWorkflow or ConsumePointsWorkflow (workflow name) of ID
// workflows.SettlementID(req.id), and waits for its end. A repeat of the same
// settlement answers from it; another is refused.
func (a *App) settleFreeze(ctx context.Context, name string, req request) outcome {
	f, err := a.lookup(ctx, req.id)
	switch {
	case errors.Is(err, errNotFound):
		return notFound(req.id, a.Namespace)
	case err != nil:
		msg := fmt.Sprintf("%s: %s", req.id, workflows.Reason(err))
		return outcome{report: Report{WorkflowID: req.id, Error: msg}, problem: msg}
	case !f.isFreeze():
		msg := fmt.Sprintf("%s is a %s, not a freeze of %s", req.id, f.typ, workflows.FreezePointsWorkflowName)
		if f.typ == workflows.RedemptionWorkflowName {
			msg += " (settle a redemption with starter confirm or starter cancel)"
		}
		return outcome{report: withError(f.report(), msg), problem: msg}
	case f.stranded != nil:
		return strandedProblem(f)
	case f.freeze == nil:
		msg := fmt.Sprintf("%s is %s: nothing to settle", req.id, f.status.State)
		return outcome{report: withError(f.report(), msg), problem: msg}
	}
	sid := workflows.SettlementID(req.id)
	if f.status.State != workflows.StateFrozen {
		return a.awaitSettlement(ctx, name, req, f, sid)
	}
	sreq := workflows.SettleRequest{Freeze: *f.freeze, Points: req.points}
	run, problem := a.start(ctx, sid, name, workflows.SettleSummary(name, sreq), sreq)
	if run == nil && problem != "" && !a.exists(ctx, sid) {
		return outcome{report: withError(f.report(), problem), problem: problem}
	}
	return a.awaitSettlement(ctx, name, req, f, sid)
}

// awaitSettlement waits for settlement sid of freeze f and says how it ended.
func (a *App) awaitSettlement(ctx context.Context, name string, req request, f found, sid string) outcome {
	desc, err := a.Client.DescribeWorkflow(ctx, sid, "")
	if err != nil {
		msg := fmt.Sprintf("%s: reading its settlement %s: %s", req.id, sid, workflows.Reason(err))
		return outcome{report: withError(f.report(), msg), problem: msg}
	}
	if desc.WorkflowType.Name != name {
		msg := fmt.Sprintf("%s is already settled by %s %s", req.id, desc.WorkflowType.Name, sid)
		return outcome{report: withError(f.report(), msg), problem: msg}
	}
	res, parked, err := a.waitSettled(ctx, sid, desc.WorkflowExecution.RunID)
	if parked {
		// The settlement could not be carried out: it waits for a person.
		if s, lerr := a.lookup(ctx, req.id); lerr == nil && s.status.State == workflows.StateAttention {
			return attentionProblem(s)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			msg := fmt.Sprintf("%s: stopped waiting for its settlement (%v); starter status --id %s tells how it ends", req.id, ctx.Err(), req.id)
			return outcome{report: withError(f.report(), msg), problem: msg}
		}
		s, _ := a.lookup(ctx, req.id)
		if s.stranded == nil {
			s = found{status: f.status, runID: f.runID, failure: workflows.Reason(err), stranded: strandedBy(err, workflows.StrandedFreeze{FreezeToken: f.status.FreezeToken})}
		}
		return strandedProblem(s)
	}
	r := f.report()
	r.State, r.ConsumedPoints, r.ReleasedPoints = string(res.State), res.ConsumedPoints, res.ReleasedPoints
	r.Error = res.Error
	out := outcome{report: r}
	switch {
	case name == workflows.ConsumePointsWorkflowName && res.State != workflows.StateConsumed:
		out.problem = fmt.Sprintf("%s: the CRM refused the consume, the points were released: %s", req.id, res.Error)
	case name == workflows.ConsumePointsWorkflowName && res.ConsumedPoints != cmp.Or(req.points, f.status.Points):
		// One settlement per freeze: a repeat with other points is not it.
		out.problem = fmt.Sprintf("%s was already settled by %s: %s of %s points consumed, %s released; a consume of %s is refused",
			req.id, sid, crm.FormatPoints(res.ConsumedPoints), crm.FormatPoints(f.status.Points), crm.FormatPoints(res.ReleasedPoints), crm.FormatPoints(cmp.Or(req.points, f.status.Points)))
		out.report.Error = out.problem
	}
	return out
}

// parkPoll is how often a wait for a settlement asks whether it waits for a person.
const parkPoll = time.Second

// waitSettled waits for the end of settlement sid (run runID and those it
// continues as), or until it waits in ATTENTION for a person (parked).
func (a *App) waitSettled(ctx context.Context, sid, runID string) (workflows.SettleResult, bool, error) {
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type ended struct {
		res workflows.SettleResult
		err error
	}
	done := make(chan ended, 1)
	go func() {
		var res workflows.SettleResult
		err := a.Client.GetWorkflow(gctx, sid, runID).Get(gctx, &res)
		done <- ended{res, err}
	}()
	tick := time.NewTicker(parkPoll)
	defer tick.Stop()
	for {
		select {
		case e := <-done:
			return e.res, false, e.err
		case <-tick.C:
			if st, err := a.query(ctx, sid, ""); err == nil && st.State == workflows.StateAttention {
				return workflows.SettleResult{}, true, nil
			}
		}
	}
}

// exists reports whether workflow id exists.
func (a *App) exists(ctx context.Context, id string) bool {
	_, err := a.Client.DescribeWorkflow(ctx, id, "")
	return err == nil
}

// start starts workflow name by name with id, never reusing an ID. The
// returned problem is "" on success.
func (a *App) start(ctx context.Context, id, name, summary string, arg any) (client.WorkflowRun, string) {
	run, err := a.Client.ExecuteWorkflow(ctx, workflows.StartOptions(id, a.TaskQueue, summary), name, arg)
	switch {
	case err == nil:
		return run, ""
	case isAlreadyStarted(err):
		return nil, fmt.Sprintf("workflow %s already exists (a workflow ID is never reused; starter status --id %s)", id, id)
	case errors.Is(err, context.Canceled):
		return nil, fmt.Sprintf("starting %s: cancelled", id)
	default:
		return nil, fmt.Sprintf("starting %s: %v", id, err)
	}
}

func (a *App) freezeWait() time.Duration {
	if a.FreezeWait > 0 {
		return a.FreezeWait
	}
	return workflows.DefaultFreezeTimeout + settleSlack
}
