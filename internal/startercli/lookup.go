package startercli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/internal/safetext"
	"github.com/kylinpoints/kylin-points/workflows"
)

// queryTimeout bounds one status query: a query needs a worker to answer.
const queryTimeout = 10 * time.Second

// errNotFound: no workflow has this ID.
var errNotFound = errors.New("not found")

// found is what lookup learned about a workflow ID.
type found struct {
	status workflows.RedemptionStatus
	runID  string
	typ    string
	// closed: the run has ended. failure is why it ended badly, "" when it
	// completed (a FAILED redemption is a completed one).
	closed  bool
	failure string
	// stranded is set when points stay (or may stay) frozen for a person.
	stranded *workflows.StrandedFreeze
	// freeze is the result of a completed FreezePointsWorkflow.
	freeze *workflows.FreezeResult
}

func (f found) isFreeze() bool { return f.typ == workflows.FreezePointsWorkflowName }

func (f found) isSettlement() bool {
	return f.typ == workflows.ReleasePointsWorkflowName || f.typ == workflows.ConsumePointsWorkflowName
}

// report renders what lookup found, stranded points included.
func (f found) report() Report {
	r := reportOf(f.status, f.runID)
	if f.stranded != nil {
		r.Stranded = strandedPossible
		if f.stranded.Certain {
			r.Stranded = strandedCertain
		}
		r.FreezeToken = cmp.Or(f.stranded.FreezeToken, r.FreezeToken)
		r.MemberID = cmp.Or(r.MemberID, f.stranded.MemberID)
		if r.Points == 0 {
			r.Points = f.stranded.Points
		}
	}
	return r
}

// lookup reads the latest run of workflow id. A running redemption answers
// the status query; a completed one answers from its result, so no worker is
// needed; one that failed or was ended reports why, and whether its points
// may stay frozen. Freezes and their settlements are read from their results.
func (a *App) lookup(ctx context.Context, id string) (found, error) {
	desc, err := a.Client.DescribeWorkflow(ctx, id, "")
	if isNotFound(err) {
		return found{}, errNotFound
	}
	if err != nil {
		return found{}, err
	}
	f := found{runID: desc.WorkflowExecution.RunID, typ: desc.WorkflowType.Name, status: workflows.RedemptionStatus{WorkflowID: id}}
	f.closed = desc.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	switch {
	case f.typ == workflows.RedemptionWorkflowName:
	case f.isFreeze():
		return a.lookupFreeze(ctx, f, desc.Status)
	case f.isSettlement():
		return a.lookupSettlement(ctx, f, desc.Status)
	default:
		return found{}, fmt.Errorf("workflow %s is a %s, not a kylin-points workflow", id, f.typ)
	}
	if desc.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		err := a.Client.GetWorkflow(ctx, id, f.runID).Get(ctx, &f.status)
		return f, err
	}
	if f.closed {
		runErr := a.Client.GetWorkflow(ctx, id, f.runID).Get(ctx, nil)
		f.failure = fmt.Sprintf("workflow %s is %s", id, statusName(desc.Status))
		if runErr != nil {
			f.failure += ": " + workflows.Reason(runErr)
		}
		// A redemption that did not complete did not settle its freeze.
		f.stranded = strandedBy(runErr, workflows.StrandedFreeze{FreezeToken: workflows.BusinessToken(id, workflows.StepFreeze)})
	}
	st, qerr := a.query(ctx, id, f.runID)
	if qerr != nil {
		if f.closed {
			return f, nil
		}
		return f, qerr
	}
	f.status = st
	return f, nil
}

func (a *App) query(ctx context.Context, id, runID string) (workflows.RedemptionStatus, error) {
	qctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	st, err := workflows.Status(qctx, a.Client, id, runID)
	if err != nil {
		return st, fmt.Errorf("querying %s: %w", id, err)
	}
	return st, nil
}

// lookupFreeze reads a FreezePointsWorkflow: FREEZING, FAILED (nothing
// frozen), or FROZEN; a FROZEN freeze that its settlement workflow (see
// workflows.SettlementID) has settled is reported as that settlement stands.
func (a *App) lookupFreeze(ctx context.Context, f found, status enumspb.WorkflowExecutionStatus) (found, error) {
	id := f.status.WorkflowID
	f.status.State = workflows.StateFreezing
	f.status.FreezeToken = workflows.BusinessToken(id, workflows.StepFreeze)
	if !f.closed {
		return a.parked(ctx, f), nil
	}
	var res workflows.FreezeResult
	err := a.Client.GetWorkflow(ctx, id, f.runID).Get(ctx, &res)
	if err != nil {
		f.status.Error = workflows.Reason(err)
		if status != enumspb.WORKFLOW_EXECUTION_STATUS_FAILED {
			f.status.Error = statusName(status) + ": " + f.status.Error
		}
		switch workflows.ErrorType(err) {
		case activities.ErrInvalidInput, activities.ErrCRMRejected, workflows.ErrFreezeAbandoned:
			// The CRM said so, or the freeze was undone: nothing frozen.
			f.status.State = workflows.StateFailed
		case workflows.ErrResolved:
			// It waited for a person, who settled it at the CRM.
			if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok {
				_ = appErr.Details(&f.status)
			}
			f.status.WorkflowID, f.status.State = id, workflows.StateResolved
		default:
			f.failure = fmt.Sprintf("freeze %s is %s: %s", id, statusName(status), f.status.Error)
			f.stranded = strandedBy(err, workflows.StrandedFreeze{FreezeToken: f.status.FreezeToken})
		}
		return f, nil
	}
	f.freeze = &res
	f.status.State = workflows.StateFrozen
	f.status.MemberID, f.status.Points, f.status.FreezeToken = res.MemberID, res.Points, res.FreezeToken
	if res.Replayed {
		f.status.Replayed = []string{res.Step}
	}
	s, err := a.lookup(ctx, workflows.SettlementID(id))
	switch {
	case errors.Is(err, errNotFound):
		return f, nil
	case err != nil:
		return f, fmt.Errorf("reading the settlement of %s: %w", id, err)
	case !s.isSettlement():
		return f, nil
	}
	s.status.WorkflowID, s.status.Points, s.status.Replayed = id, res.Points, f.status.Replayed
	s.freeze, s.typ, s.runID = f.freeze, f.typ, f.runID
	return s, nil
}

// lookupSettlement reads a ReleasePointsWorkflow or ConsumePointsWorkflow.
func (a *App) lookupSettlement(ctx context.Context, f found, status enumspb.WorkflowExecutionStatus) (found, error) {
	f.status.State = workflows.StateReleasing
	if f.typ == workflows.ConsumePointsWorkflowName {
		f.status.State = workflows.StateConsuming
	}
	if !f.closed {
		return a.parked(ctx, f), nil
	}
	var res workflows.SettleResult
	err := a.Client.GetWorkflow(ctx, f.status.WorkflowID, f.runID).Get(ctx, &res)
	if err != nil {
		f.failure = fmt.Sprintf("settlement %s is %s: %s", f.status.WorkflowID, statusName(status), workflows.Reason(err))
		if workflows.ErrorType(err) != activities.ErrInvalidInput {
			f.stranded = strandedBy(err, workflows.StrandedFreeze{})
		}
		return f, nil
	}
	f.status.State, f.status.MemberID, f.status.FreezeToken = res.State, res.MemberID, res.FreezeToken
	f.status.ConsumedPoints, f.status.ReleasedPoints, f.status.Error = res.ConsumedPoints, res.ReleasedPoints, res.Error
	f.status.Points = res.ConsumedPoints + res.ReleasedPoints
	f.status.Attention, f.status.Resolution = res.Attention, res.Resolution
	return f, nil
}

// parked is f as its run answers the status query when it waits in
// ATTENTION (a freeze or a settlement answers it only then); else f.
func (a *App) parked(ctx context.Context, f found) found {
	st, err := a.query(ctx, f.status.WorkflowID, f.runID)
	if err != nil || st.State != workflows.StateAttention {
		return f
	}
	st.WorkflowID = f.status.WorkflowID
	f.status = st
	return f
}

// strandedBy is the freeze a failed run leaves for a person: the one an
// ErrReleaseFailed names (its points stay frozen, or may), or else def,
// whose points may stay frozen.
func strandedBy(err error, def workflows.StrandedFreeze) *workflows.StrandedFreeze {
	if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok && appErr.Type() == workflows.ErrReleaseFailed {
		var s workflows.StrandedFreeze
		if appErr.Details(&s) == nil && s.FreezeToken != "" {
			return &s
		}
	}
	def.Certain = false
	return &def
}

// statusName is "FAILED" for WORKFLOW_EXECUTION_STATUS_FAILED.
func statusName(s enumspb.WorkflowExecutionStatus) string {
	return strings.TrimPrefix(s.String(), "WORKFLOW_EXECUTION_STATUS_")
}

// retrying is the last failure of an activity the worker keeps retrying
// for run runID of workflow id (a CRM refusing our credentials, down), or
// "" when none is; it is best effort, for a person reading the status.
func (a *App) retrying(ctx context.Context, id, runID string) string {
	resp, err := a.Client.DescribeWorkflowExecution(ctx, id, runID)
	if err != nil {
		return ""
	}
	for _, p := range resp.GetPendingActivities() {
		if p.GetAttempt() > 1 && p.GetLastFailure() != nil {
			return safetext.Line(fmt.Sprintf("%s attempt %d: %s", p.GetActivityType().GetName(), p.GetAttempt(),
				p.GetLastFailure().GetMessage()), maxErrorChars)
		}
	}
	return ""
}
