package chaoskit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// Pacing of the drivers: how often a driver asks a redemption whether its
// freeze has settled, how long one call may wait (a killed worker answers
// nothing), and how many redemptions are driven at once.
const (
	pollEvery   = 500 * time.Millisecond
	callTimeout = 10 * time.Second
	drivers     = 48
	awaiters    = 128
)

// outcome is how one redemption ended, as its workflow reports it.
type outcome struct {
	status workflows.RedemptionStatus
	// err is a workflow failure, or a driver that could not do its part.
	err error
}

// startAll starts every redemption, spread evenly over span so that work is
// in flight when the worker and the sandbox are killed.
func startAll(ctx context.Context, c client.Client, taskQueue string, p Plan, span time.Duration) error {
	gap := span / time.Duration(len(p.redemptions))
	for _, r := range p.redemptions {
		req := workflows.RedemptionRequest{
			MemberID:    r.member,
			Points:      r.points,
			Description: fmt.Sprintf("chaos %s %s", r.group, r.id),
			HoldSeconds: r.hold,
		}
		if err := start(ctx, c, taskQueue, r.id, req); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(gap):
		}
	}
	return nil
}

// start starts one redemption, retrying a start that timed out on a busy
// server; a retry that finds the first start went through is a success.
func start(ctx context.Context, c client.Client, taskQueue, id string, req workflows.RedemptionRequest) error {
	for {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		_, err := testenv.StartRedemption(cctx, c, id, taskQueue, req)
		cancel()
		if err == nil || errors.As(err, new(*serviceerror.WorkflowExecutionAlreadyStarted)) {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("start %s: %w", id, err)
		}
		_ = testenv.Pause(ctx, pollEvery)
	}
}

// driveAll sends confirm or cancel to each redemption of those groups as soon
// as it is FROZEN; the others need no decision. It returns the problems met,
// and the rejections the workflows' validators answered (each then retried).
func driveAll(ctx context.Context, c client.Client, p Plan) (problems map[string]error, rejections []string) {
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		slots = make(chan struct{}, drivers)
	)
	problems = map[string]error{}
	for _, r := range p.redemptions {
		update := map[group]string{groupConfirm: workflows.UpdateConfirm, groupCancel: workflows.UpdateCancel}[r.group]
		if update == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			rejected, err := decide(ctx, c, r.id, update)
			mu.Lock()
			defer mu.Unlock()
			rejections = append(rejections, rejected...)
			if err != nil {
				problems[r.id] = err
			}
		}()
	}
	wg.Wait()
	return problems, rejections
}

// decide waits until the redemption is FROZEN and sends update, retrying
// through worker kills; an update the validator rejects is sent again, under
// a new update ID, once the redemption says FROZEN again.
func decide(ctx context.Context, c client.Client, id, update string) (rejections []string, err error) {
	for attempt := 1; ; attempt++ {
		for {
			st, err := callStatus(ctx, c, id)
			if err == nil && st.Decision == update {
				return rejections, nil
			}
			if err == nil && st.State == workflows.StateFrozen {
				break
			}
			if err == nil && st.State != workflows.StateFreezing {
				return rejections, fmt.Errorf("never FROZEN: %s (%s)", st.State, st.Error)
			}
			if err := testenv.Pause(ctx, pollEvery); err != nil {
				return rejections, fmt.Errorf("waiting for FROZEN: %w", err)
			}
		}
		err := sendUpdate(ctx, c, id, update, attempt)
		var rejected *rejectedError
		switch {
		case err == nil:
			return rejections, nil
		case errors.As(err, &rejected):
			rejections = append(rejections, fmt.Sprintf("%s %s: %v", id, update, err))
		case errors.As(err, new(*serviceerror.NotFound)):
			return rejections, fmt.Errorf("%s: %w", update, err)
		}
		if err := testenv.Pause(ctx, pollEvery); err != nil {
			return rejections, fmt.Errorf("%s never accepted: %w", update, err)
		}
	}
}

// rejectedError is an update the workflow's validator refused.
type rejectedError struct{ err error }

func (e *rejectedError) Error() string { return "rejected: " + e.err.Error() }

// sendUpdate sends update once and tells acceptance from rejection. A
// rejected update is an outcome, answered by Get at once with the
// validator's ApplicationError; an accepted one answers Get only when the
// redemption ends, so a Get that times out means accepted. The update ID
// names the attempt: a rejected update leaves no trace, and a retry of a
// lost answer within one attempt must land once.
func sendUpdate(ctx context.Context, c client.Client, id, update string, attempt int) error {
	for {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		h, err := c.UpdateWorkflow(cctx, client.UpdateWorkflowOptions{
			UpdateID:     fmt.Sprintf("%s/%s/%d", id, update, attempt),
			WorkflowID:   id,
			UpdateName:   update,
			WaitForStage: client.WorkflowUpdateStageAccepted,
		})
		cancel()
		if err != nil {
			if ctx.Err() != nil || errors.As(err, new(*serviceerror.NotFound)) {
				return err
			}
			_ = testenv.Pause(ctx, pollEvery)
			continue
		}
		gctx, gcancel := context.WithTimeout(ctx, time.Second)
		err = h.Get(gctx, nil)
		gcancel()
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			return &rejectedError{err: fmt.Errorf("attempt %d: %w", attempt, err)}
		}
		return nil
	}
}

func callStatus(ctx context.Context, c client.Client, id string) (workflows.RedemptionStatus, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return testenv.Status(cctx, c, id)
}

// awaitAll waits for the result of every redemption, until ctx ends.
func awaitAll(ctx context.Context, c client.Client, p Plan) map[string]outcome {
	var (
		mu    sync.Mutex
		out   = make(map[string]outcome, len(p.redemptions))
		wg    sync.WaitGroup
		slots = make(chan struct{}, awaiters)
	)
	for _, r := range p.redemptions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			o := await(ctx, c, r.id)
			mu.Lock()
			out[r.id] = o
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// await returns the redemption's result, or its failure; transport errors
// (a long poll cut short) are retried until ctx ends.
func await(ctx context.Context, c client.Client, id string) outcome {
	for {
		var st workflows.RedemptionStatus
		err := c.GetWorkflow(ctx, id, "").Get(ctx, &st)
		if err == nil {
			return outcome{status: st}
		}
		if ctx.Err() != nil {
			return outcome{err: fmt.Errorf("not ended in time: %w", ctx.Err())}
		}
		var wfErr *temporal.WorkflowExecutionError
		if errors.As(err, &wfErr) {
			return outcome{err: err}
		}
		_ = testenv.Pause(ctx, pollEvery)
	}
}
