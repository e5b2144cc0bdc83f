package testenv

import (
	"context"
	"time"
)

// Pause waits d, or less when ctx ends first, returning ctx's error then.
func Pause(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
