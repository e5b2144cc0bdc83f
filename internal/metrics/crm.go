package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
)

// InstrumentedCRM is an activities.CRM that observes every call of Next
// into Metrics.
type InstrumentedCRM struct {
	Next    activities.CRM
	Metrics *Metrics
}

// Freeze calls Next.Freeze and observes it.
func (c InstrumentedCRM) Freeze(ctx context.Context, token string, req crm.Request) (crm.Result, error) {
	start := time.Now()
	res, err := c.Next.Freeze(ctx, token, req)
	return c.observe(crm.OpFreeze, start, res, err)
}

// Release calls Next.Release and observes it.
func (c InstrumentedCRM) Release(ctx context.Context, token string, req crm.Request) (crm.Result, error) {
	start := time.Now()
	res, err := c.Next.Release(ctx, token, req)
	return c.observe(crm.OpRelease, start, res, err)
}

// Consume calls Next.Consume and observes it.
func (c InstrumentedCRM) Consume(ctx context.Context, token string, req crm.Request) (crm.Result, error) {
	start := time.Now()
	res, err := c.Next.Consume(ctx, token, req)
	return c.observe(crm.OpConsume, start, res, err)
}

func (c InstrumentedCRM) observe(op string, start time.Time, res crm.Result, err error) (crm.Result, error) {
	outcome, status := classify(res, err)
	c.Metrics.ObserveCRMCall(op, outcome, status, time.Since(start), err == nil && res.Replayed)
	return res, err
}

// classify gives the outcome label and HTTP status of a CRM call's result.
// An error that is not a *crm.Error (the client returns none) counts as
// transient with no status.
func classify(res crm.Result, err error) (outcome string, status int) {
	if err == nil {
		return outcomeOK, res.Status
	}
	var ce *crm.Error
	if errors.As(err, &ce) {
		return string(ce.Class), ce.Status
	}
	return outcomeTransient, 0
}
