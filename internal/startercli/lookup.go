package startercli

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

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
	// closed: the run has ended. failure is why it ended badly, "" when it
	// completed (a FAILED redemption is a completed one).
	closed  bool
	failure string
	// freeze: the workflow is a FreezePointsWorkflow, not a redemption.
	freeze bool
}

// lookup reads the latest run of workflow id. A running redemption answers
// the status query; a completed one answers from its result, so no worker is
// needed; a failed one is queried (its worker replays it) and reports why it
// failed. A FreezePointsWorkflow is reported as FREEZING, FROZEN or FAILED.
func (a *App) lookup(ctx context.Context, id string) (found, error) {
	desc, err := a.Client.DescribeWorkflow(ctx, id, "")
	if isNotFound(err) {
		return found{}, errNotFound
	}
	if err != nil {
		return found{}, err
	}
	f := found{runID: desc.WorkflowExecution.RunID, status: workflows.RedemptionStatus{WorkflowID: id}}
	f.closed = desc.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	switch desc.WorkflowType.Name {
	case workflows.RedemptionWorkflowName:
	case workflows.FreezePointsWorkflowName:
		return a.lookupFreeze(ctx, f, desc.Status)
	default:
		return found{}, fmt.Errorf("workflow %s is a %s, not a kylin-points workflow", id, desc.WorkflowType.Name)
	}

	if desc.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		err := a.Client.GetWorkflow(ctx, id, f.runID).Get(ctx, &f.status)
		return f, err
	}
	if f.closed {
		f.failure = fmt.Sprintf("workflow %s is %s", id, statusName(desc.Status))
		if err := a.Client.GetWorkflow(ctx, id, f.runID).Get(ctx, nil); err != nil {
			f.failure += ": " + reason(err)
		}
	}
	st, qerr := a.query(ctx, id, f.runID)
	if qerr != nil {
		if f.closed {
			return f, errors.New(f.failure)
		}
		return f, qerr
	}
	f.status = st
	return f, nil
}

func (a *App) query(ctx context.Context, id, runID string) (workflows.RedemptionStatus, error) {
	qctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	var st workflows.RedemptionStatus
	v, err := a.Client.QueryWorkflow(qctx, id, runID, workflows.QueryStatus)
	if err == nil {
		err = v.Get(&st)
	}
	if err != nil {
		return st, fmt.Errorf("querying %s: %w", id, err)
	}
	return st, nil
}

func (a *App) lookupFreeze(ctx context.Context, f found, status enumspb.WorkflowExecutionStatus) (found, error) {
	f.freeze = true
	f.status.State = workflows.StateFreezing
	if !f.closed {
		return f, nil
	}
	var res workflows.FreezeResult
	err := a.Client.GetWorkflow(ctx, f.status.WorkflowID, f.runID).Get(ctx, &res)
	if err != nil {
		f.status.State, f.status.Error = workflows.StateFailed, reason(err)
		if status != enumspb.WORKFLOW_EXECUTION_STATUS_FAILED {
			f.status.Error = statusName(status) + ": " + f.status.Error
		}
		return f, nil
	}
	f.status.State = workflows.StateFrozen
	f.status.MemberID, f.status.Points, f.status.FreezeToken = res.MemberID, res.Points, res.FreezeToken
	return f, nil
}

// statusName is "FAILED" for WORKFLOW_EXECUTION_STATUS_FAILED.
func statusName(s enumspb.WorkflowExecutionStatus) string {
	name := s.String()
	const prefix = "WORKFLOW_EXECUTION_STATUS_"
	if len(name) > len(prefix) && name[:len(prefix)] == prefix {
		return name[len(prefix):]
	}
	return name
}
