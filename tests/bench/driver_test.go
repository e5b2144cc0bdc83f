package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

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

// park starts redemption i and waits until it is FROZEN, as redeem does:
// one Update-with-Start (workflows.Redeem), no status query.
func (d driver) park(ctx context.Context, i int) error {
	req := workflows.RedemptionRequest{
		MemberID:    member(i),
		Points:      1,
		Description: "bench redemption",
		HoldSeconds: int64(time.Hour / time.Second),
	}
	st, _, err := workflows.Redeem(ctx, d.c, d.id(i), d.taskQueue, req)
	if err != nil {
		return fmt.Errorf("redeem %s: %w", d.id(i), err)
	}
	if st.State != workflows.StateFrozen {
		return fmt.Errorf("%s ended before FROZEN: %s %s", d.id(i), st.State, st.Error)
	}
	return nil
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
