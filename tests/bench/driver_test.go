package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// driver drives redemptions the way a points mall would: start one, wait
// until its points are FROZEN, confirm it, wait for the workflow to complete.
type driver struct {
	c         client.Client
	taskQueue string
	// prefix makes the workflow IDs of one run unique.
	prefix string
}

// id is the workflow ID of redemption i.
func (d driver) id(i int) string { return fmt.Sprintf("%s-%d", d.prefix, i) }

// saga runs redemption i from start to CONSUMED.
func (d driver) saga(ctx context.Context, i int) error {
	if err := d.park(ctx, i); err != nil {
		return err
	}
	return d.confirm(ctx, i)
}

// park starts redemption i and waits until it is FROZEN.
func (d driver) park(ctx context.Context, i int) error {
	req := workflows.RedemptionRequest{
		MemberID:    member(i),
		Points:      1,
		Description: "bench redemption",
		HoldSeconds: int64(time.Hour / time.Second),
	}
	if _, err := testenv.StartRedemption(ctx, d.c, d.id(i), d.taskQueue, req); err != nil {
		return fmt.Errorf("start %s: %w", d.id(i), err)
	}
	return d.awaitFrozen(ctx, i)
}

// awaitFrozen long-polls the history of redemption i until its hold timer
// starts: the workflow task that makes a redemption FROZEN also starts that
// timer. Polling the status query instead would cost a workflow task on the
// worker per poll and load the engine being measured. The confirm Update
// checks the state for itself.
func (d driver) awaitFrozen(ctx context.Context, i int) error {
	it := d.c.GetWorkflowHistory(ctx, d.id(i), "", true, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return fmt.Errorf("history of %s: %w", d.id(i), err)
		}
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			return nil
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
			st, _ := testenv.Status(ctx, d.c, d.id(i))
			return fmt.Errorf("%s ended before FROZEN: %s %s", d.id(i), st.State, st.Error)
		}
	}
	return fmt.Errorf("history of %s ended before FROZEN", d.id(i))
}

// confirm confirms redemption i and waits until its workflow has completed
// as CONSUMED.
func (d driver) confirm(ctx context.Context, i int) error {
	st, err := testenv.Decide(ctx, d.c, d.id(i), workflows.UpdateConfirm)
	if err != nil {
		return fmt.Errorf("confirm %s: %w", d.id(i), err)
	}
	if st.State != workflows.StateConsumed {
		return fmt.Errorf("confirm %s: state %s, not CONSUMED: %s", d.id(i), st.State, st.Error)
	}
	if err := d.c.GetWorkflow(ctx, d.id(i), "").Get(ctx, &st); err != nil {
		return fmt.Errorf("result of %s: %w", d.id(i), err)
	}
	return nil
}

// forEach calls fn for 0..n-1 from conc goroutines and returns the first error.
// After an error the remaining indexes are skipped.
func forEach(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Go(func() {
			for i := range next {
				if err := fn(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
		return err
	}
	return nil
}
