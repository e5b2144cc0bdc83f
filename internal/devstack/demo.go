package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/workflows"
)

// The demo redemption.
const (
	DemoMember      = "demo-member-1"
	DemoPoints      = 5
	DemoDescription = "积分商城兑换 demo"
	// DemoWait bounds each wait of the demo: for the freeze to settle (a
	// worker must be polling) and for the consume after the confirm.
	DemoWait = 2 * time.Minute
)

const demoPollEvery = 200 * time.Millisecond

// RunDemo redeems DemoPoints of DemoMember end to end: it starts a
// RedemptionWorkflow, waits until it is FROZEN, confirms it and waits until
// it is CONSUMED, writing one line per state reached, with the run's Web UI
// link, to out. It returns the final status; an error when the redemption
// did not end CONSUMED.
func (s *Stack) RunDemo(ctx context.Context, out io.Writer) (workflows.RedemptionStatus, error) {
	req := workflows.RedemptionRequest{MemberID: DemoMember, Points: DemoPoints, Description: DemoDescription}
	id := "demo-" + time.Now().Format("20060102-150405.000000")
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         workflows.RedemptionSummary(req),
	}, workflows.RedemptionWorkflowName, req)
	if err != nil {
		return workflows.RedemptionStatus{}, fmt.Errorf("starting the demo redemption: %w", err)
	}
	link := s.RunURL(id, run.GetRunID())
	report := func(st workflows.RedemptionStatus, what string) {
		_, _ = fmt.Fprintf(out, "demo: %-9s %s  %s\n", st.State, what, link)
	}
	report(workflows.RedemptionStatus{State: workflows.StateFreezing},
		fmt.Sprintf("%s: %g points of %s", id, req.Points, req.MemberID))

	st, err := s.waitState(ctx, id, func(st workflows.RedemptionStatus) bool { return st.State != workflows.StateFreezing })
	if err != nil {
		return st, fmt.Errorf("demo %s: waiting for the freeze (is a worker polling task queue %s?): %w", id, TaskQueue, err)
	}
	if st.State != workflows.StateFrozen {
		report(st, st.Error)
		return st, fmt.Errorf("demo %s ended %s: %s", id, st.State, st.Error)
	}
	report(st, "freeze token "+st.FreezeToken)

	if st, err = s.confirm(ctx, id, run.GetRunID()); err != nil {
		return st, fmt.Errorf("demo %s: confirm: %w", id, err)
	}
	if !st.State.Terminal() {
		st, err = s.waitState(ctx, id, func(st workflows.RedemptionStatus) bool { return st.State.Terminal() })
		if err != nil {
			return st, fmt.Errorf("demo %s: waiting for the consume: %w", id, err)
		}
	}
	if st.State != workflows.StateConsumed {
		report(st, st.Error)
		return st, fmt.Errorf("demo %s ended %s: %s", id, st.State, st.Error)
	}
	report(st, "consume token "+st.ConsumeToken)
	return st, nil
}

// confirm sends the confirm Update and waits for its answer, the status
// once the redemption has settled.
func (s *Stack) confirm(ctx context.Context, id, runID string) (workflows.RedemptionStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, DemoWait)
	defer cancel()
	handle, err := s.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   id,
		RunID:        runID,
		UpdateName:   workflows.UpdateConfirm,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return workflows.RedemptionStatus{}, err
	}
	var st workflows.RedemptionStatus
	err = handle.Get(ctx, &st)
	return st, err
}

// waitState polls the status query until done accepts the status or
// DemoWait passes. Query errors (e.g. no worker has picked the run up yet)
// are retried.
func (s *Stack) waitState(ctx context.Context, id string, done func(workflows.RedemptionStatus) bool) (workflows.RedemptionStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, DemoWait)
	defer cancel()
	var st workflows.RedemptionStatus
	var lastErr error
	for {
		resp, err := s.client.QueryWorkflow(ctx, id, "", workflows.QueryStatus)
		if err == nil {
			err = resp.Get(&st)
		}
		if err == nil && done(st) {
			return st, nil
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil && !errors.Is(lastErr, ctx.Err()) {
				return st, fmt.Errorf("%w (last error: %v)", ctx.Err(), lastErr)
			}
			return st, fmt.Errorf("still %s after %s: %w", st.State, DemoWait, ctx.Err())
		case <-time.After(demoPollEvery):
		}
	}
}
