package metrics

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
)

// HealthChecker is the part of client.Client that TemporalReady uses.
type HealthChecker interface {
	CheckHealth(ctx context.Context, req *client.CheckHealthRequest) (*client.CheckHealthResponse, error)
}

// TemporalReady returns a ready check for Handler: ready while polling
// reports true (set it once the worker has started and clear it on a fatal
// worker error) and the Temporal frontend answers a health check.
func TemporalReady(c HealthChecker, polling func() bool) func(context.Context) error {
	return func(ctx context.Context) error {
		if !polling() {
			return errors.New("worker is not polling")
		}
		if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			return fmt.Errorf("temporal health check: %w", err)
		}
		return nil
	}
}
