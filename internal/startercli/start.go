package startercli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/workflows"
)

const (
	defaultPollInterval = 200 * time.Millisecond
	// settleSlack is added to the freeze timeout when waiting for the freeze:
	// time to be picked up by a worker and to report back.
	settleSlack = 30 * time.Second
)

// redeem starts a RedemptionWorkflow and waits until its freeze has settled.
func (a *App) redeem(ctx context.Context, req request) outcome {
	in := workflows.RedemptionRequest{
		MemberID:    req.member,
		Points:      req.points,
		Description: req.description,
		ShopCode:    req.shop,
		HoldSeconds: int64(req.hold / time.Second),
	}
	id := or(req.id, "redeem-"+uuid.NewString())
	pending := Report{WorkflowID: id, State: string(workflows.StateFreezing), MemberID: req.member, Points: req.points,
		FreezeToken: workflows.BusinessToken(id, workflows.StepFreeze)}
	run, problem := a.start(ctx, id, workflows.RedemptionWorkflowName, workflows.RedemptionSummary(in), in)
	if problem != "" {
		return outcome{report: Report{WorkflowID: id, MemberID: req.member, Points: req.points, Error: problem}, problem: problem}
	}
	pending.RunID = run.GetRunID()

	wait := a.freezeWait()
	deadline := time.Now().Add(wait)
	for {
		f, err := a.lookup(ctx, id)
		switch {
		case err == nil && (f.status.State != workflows.StateFreezing || f.closed):
			return a.frozenOutcome(f)
		case err != nil && f.closed:
			// Ended badly and no worker answers for it: say how it ended.
			pending.Error = err.Error()
			return outcome{report: pending, problem: pending.Error}
		}
		if ctx.Err() != nil || !time.Now().Before(deadline) {
			problem := fmt.Sprintf("%s: the freeze did not settle within %s; is a worker polling task queue %s? (starter status --id %s)",
				id, wait, a.TaskQueue, id)
			if ctx.Err() != nil {
				problem = fmt.Sprintf("%s: stopped waiting for the freeze (%v); starter status --id %s tells how it ends", id, ctx.Err(), id)
			}
			pending.Error = problem
			return outcome{report: pending, problem: problem}
		}
		select {
		case <-ctx.Done():
		case <-time.After(a.pollInterval()):
		}
	}
}

// frozenOutcome is redeem's answer once the freeze has settled: FROZEN (or
// later) succeeds, FAILED is the CRM's refusal.
func (a *App) frozenOutcome(f found) outcome {
	out := outcome{report: reportOf(f.status, f.runID)}
	switch {
	case f.status.State == workflows.StateFailed:
		out.problem = fmt.Sprintf("%s: FAILED: %s", f.status.WorkflowID, f.status.Error)
	case f.failure != "":
		out.problem = f.failure
	}
	return out
}

// freeze starts a FreezePointsWorkflow and waits for its result.
func (a *App) freeze(ctx context.Context, req request) outcome {
	in := workflows.FreezeRequest{MemberID: req.member, Points: req.points, Description: req.description, ShopCode: req.shop}
	id := or(req.id, "freeze-"+uuid.NewString())
	report := Report{WorkflowID: id, MemberID: req.member, Points: req.points}
	run, problem := a.start(ctx, id, workflows.FreezePointsWorkflowName, workflows.FreezeSummary(in), in)
	if problem != "" {
		report.Error = problem
		return outcome{report: report, problem: problem}
	}
	report.RunID = run.GetRunID()
	report.FreezeToken = workflows.BusinessToken(id, workflows.StepFreeze)

	wait := a.freezeWait()
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var res workflows.FreezeResult
	err := run.Get(wctx, &res)
	switch {
	case err == nil:
		report.State, report.FreezeToken = string(workflows.StateFrozen), res.FreezeToken
		return outcome{report: report}
	case wctx.Err() != nil:
		report.State = string(workflows.StateFreezing)
		report.Error = fmt.Sprintf("%s: the freeze did not settle within %s; is a worker polling task queue %s? (starter status --id %s)",
			id, wait, a.TaskQueue, id)
		return outcome{report: report, problem: report.Error}
	default:
		report.State, report.Error = string(workflows.StateFailed), reason(err)
		return outcome{report: report, problem: fmt.Sprintf("%s: FAILED: %s", id, report.Error)}
	}
}

// start starts workflow name by name with id, never reusing an ID. The
// returned problem is "" on success.
func (a *App) start(ctx context.Context, id, name, summary string, arg any) (client.WorkflowRun, string) {
	run, err := a.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        id,
		TaskQueue: a.TaskQueue,
		// One business request = one workflow ID = one token per step, for
		// the life of the namespace (DESIGN.md): never run an ID twice.
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            summary,
	}, name, arg)
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

func (a *App) pollInterval() time.Duration {
	if a.PollInterval > 0 {
		return a.PollInterval
	}
	return defaultPollInterval
}

func (a *App) freezeWait() time.Duration {
	if a.FreezeWait > 0 {
		return a.FreezeWait
	}
	return workflows.DefaultFreezeTimeout + settleSlack
}
