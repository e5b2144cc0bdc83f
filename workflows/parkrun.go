package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Needs a person, for the workflow types kylin-points owns besides the
// redemption: FreezePointsWorkflow, whose undo of a freeze that did not
// settle could not be carried out, and ReleasePointsWorkflow or
// ConsumePointsWorkflow, whose settlement could not be. They wait in
// ATTENTION as the redemption does (parking), each behind its own change
// ID so that runs recorded before fail as they did. The library functions
// (FreezePoints, ReleasePoints, ConsumePoints) never wait: a caller's
// workflow hears the error, as before.

// ParkingWorkflows are the workflow types that wait in ATTENTION for a
// person, which starter attention lists and the reconciliation counts.
var ParkingWorkflows = []string{RedemptionWorkflowName, FreezePointsWorkflowName, ReleasePointsWorkflowName, ConsumePointsWorkflowName}

// Change IDs of parking in ATTENTION, per workflow type.
const (
	versionAttentionFreeze = "kylin-points.attention-freeze"
	versionAttentionSettle = "kylin-points.attention-settle"
)

// freezeRun is a FreezePointsWorkflow run.
type freezeRun struct {
	parking
	status RedemptionStatus
	req    FreezeRequest
	p      prepared
	// next is the request of the next run, when this one continues as new
	// while it waits for a person.
	next *FreezeRequest
	// queryOn says the status query is set (once the run first parks).
	queryOn bool
}

func newFreezeRun(ctx workflow.Context, req FreezeRequest) *freezeRun {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	fr := &freezeRun{req: req, status: RedemptionStatus{
		WorkflowID:  id,
		State:       StateFreezing,
		MemberID:    req.MemberID,
		Points:      req.Points,
		Description: req.Description,
		FreezeToken: BusinessToken(id, freezeStepOf(req.Step)),
		StartedAt:   workflow.Now(ctx),
	}}
	fr.st, fr.kind = &fr.status, "freeze"
	return fr
}

func (fr *freezeRun) canRetry() bool { return true }

func (fr *freezeRun) held() FreezeResult {
	return FreezeResult{WorkflowID: fr.status.WorkflowID, Step: freezeStepOf(fr.req.Step), MemberID: fr.req.MemberID,
		Points: fr.req.Points, FreezeToken: fr.status.FreezeToken}
}

func (fr *freezeRun) to(ctx workflow.Context, s State) {
	fr.status.State = s
	if s == StateAttention && !fr.queryOn {
		fr.queryOn = setStatusQuery(ctx, fr.st)
	}
	fr.show(ctx, detailsOf(fr.status, time.Time{}))
}

func (fr *freezeRun) show(ctx workflow.Context, details string) {
	show(ctx, fr.p, fr.status.State, fr.req.Points, time.Time{}, details)
}

func (fr *freezeRun) resolved(ctx workflow.Context) {
	fr.status.SettledAt = workflow.Now(ctx)
	fr.to(ctx, StateResolved)
}

// again undoes the freeze again, under the same tokens.
func (fr *freezeRun) again(ctx workflow.Context) error {
	fr.to(ctx, StateReleasing)
	req := fr.req
	req.Undo, req.Attention = true, nil
	_, err := freezePoints(ctx, req, nil)
	return err
}

func (fr *freezeRun) waitOn(a *Attention) {
	next := fr.req
	next.Undo, next.Attention = true, a
	fr.next = &next
}

// resumeAttention is the wait a run continued as new carries on with:
// req.Attention, when the run is one its workflow continued.
func resumeAttention(ctx workflow.Context, a *Attention) *Attention {
	if a == nil || workflow.GetInfo(ctx).ContinuedExecutionRunID == "" {
		return nil
	}
	return a
}

// setStatusQuery answers the status query with *st, once a run that had
// none parks; it reports whether it is set.
func setStatusQuery(ctx workflow.Context, st *RedemptionStatus) bool {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (RedemptionStatus, error) { return *st, nil }); err != nil {
		workflow.GetLogger(ctx).Warn("cannot set the status query", "error", err)
		return false
	}
	return true
}

// resolvedFreeze is the error FreezePointsWorkflow ends with once a person
// resolved it: it holds nothing for its caller.
func resolvedFreeze(st RedemptionStatus) error {
	msg := "the freeze waited for a person, who resolved it at the CRM: " + attentionDetails(st)
	return temporal.NewNonRetryableApplicationError(msg, ErrResolved, nil, st)
}

// settleRun is a ReleasePointsWorkflow or ConsumePointsWorkflow run.
type settleRun struct {
	parking
	status RedemptionStatus
	name   string
	req    SettleRequest
	res    SettleResult
	p      prepared
	// ready says p is fixed (at the first park: until then the run
	// shows nothing, as before).
	ready   bool
	next    *SettleRequest
	queryOn bool
}

func newSettleRun(ctx workflow.Context, name string, req SettleRequest) *settleRun {
	s := &settleRun{name: name, req: req, status: RedemptionStatus{
		WorkflowID:  workflow.GetInfo(ctx).WorkflowExecution.ID,
		State:       StateReleasing,
		MemberID:    req.Freeze.MemberID,
		Points:      req.Freeze.Points,
		Description: req.Freeze.Description,
		FreezeToken: req.Freeze.FreezeToken,
		StartedAt:   workflow.Now(ctx),
	}}
	if name == ConsumePointsWorkflowName {
		s.status.State = StateConsuming
	}
	s.st, s.kind = &s.status, "settlement"
	return s
}

// settle carries out the settlement under its tokens.
func (s *settleRun) settle(ctx workflow.Context) error {
	var err error
	if s.name == ConsumePointsWorkflowName {
		s.res, err = ConsumePoints(ctx, s.req.Freeze, s.req.Points)
	} else {
		s.res, err = ReleasePoints(ctx, s.req.Freeze)
	}
	return err
}

func (s *settleRun) canRetry() bool     { return true }
func (s *settleRun) held() FreezeResult { return s.req.Freeze }

func (s *settleRun) to(ctx workflow.Context, st State) {
	s.status.State = st
	if !s.ready {
		// The search settings and the member attribute, as the freeze's
		// own workflow fixed them.
		p, err := prepare(ctx, s.req.Freeze.MemberID, s.req.Freeze.Body, true)
		if err != nil {
			workflow.GetLogger(ctx).Warn("cannot read the search settings", "error", err)
		}
		s.p, s.ready = p, true
	}
	if st == StateAttention && !s.queryOn {
		s.queryOn = setStatusQuery(ctx, s.st)
	}
	s.show(ctx, detailsOf(s.status, time.Time{}))
}

func (s *settleRun) show(ctx workflow.Context, details string) {
	show(ctx, s.p, s.status.State, s.req.Freeze.Points, time.Time{}, details)
}

func (s *settleRun) resolved(ctx workflow.Context) {
	s.status.SettledAt = workflow.Now(ctx)
	s.to(ctx, StateResolved)
	s.res = s.req.Freeze.settled(StateResolved)
}

// again settles again, under the same tokens; a settlement that now goes
// through shows where it ended.
func (s *settleRun) again(ctx workflow.Context) error {
	state := StateReleasing
	if s.name == ConsumePointsWorkflowName {
		state = StateConsuming
	}
	s.to(ctx, state)
	err := s.settle(ctx)
	if err == nil {
		s.status.ConsumedPoints, s.status.ReleasedPoints, s.status.ConsumeToken, s.status.ReleaseToken =
			s.res.ConsumedPoints, s.res.ReleasedPoints, s.res.ConsumeToken, s.res.ReleaseToken
		s.status.Error, s.status.SettledAt = s.res.Error, workflow.Now(ctx)
		s.to(ctx, s.res.State)
	}
	return err
}

func (s *settleRun) waitOn(a *Attention) {
	next := s.req
	next.Attention = a
	s.next = &next
}

// end ends a settlement workflow run after err: it continues as new with
// the same request when the settlement asks to (a long outage, or a long
// wait for a person), else returns, with what a person did, if anything.
func (s *settleRun) end(ctx workflow.Context, err error) (SettleResult, error) {
	if ErrorType(err) == ErrContinueAsNewSuggested {
		s.continuing = true
		if err := drainHandlers(ctx); err != nil {
			return SettleResult{}, err
		}
		next := s.req
		if s.next != nil {
			next = *s.next
		}
		return SettleResult{}, workflow.NewContinueAsNewError(ctx, s.name, next)
	}
	s.done, s.failure = true, err
	if s.parks > 0 {
		s.failure = nil // the Updates answer the status, whatever it is
		if err != nil {
			s.status.Error = errorText(err)
		}
		if err := drainHandlers(ctx); err != nil {
			return SettleResult{}, err
		}
		s.res.Attention, s.res.Resolution = s.status.Attention, s.status.Resolution
	}
	if err != nil {
		return SettleResult{}, err
	}
	return s.res, nil
}
