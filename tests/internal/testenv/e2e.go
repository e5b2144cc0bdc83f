package testenv

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// shared is the one Temporal server of a test package (SharedTemporal).
var shared struct {
	once sync.Once
	tp   *Temporal
	err  error
}

// SharedTemporal returns the test package's one in-process Temporal server,
// started by the first test that asks for it, so that a suite pays for one
// server start. Tests sharing it must use their own workflow IDs and task
// queues. Stop it from TestMain, after m.Run, with StopSharedTemporal.
func SharedTemporal(t testing.TB) *Temporal {
	t.Helper()
	SkipIfShort(t, "starts a Temporal server")
	shared.once.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				shared.err = fmt.Errorf("starting the Temporal test server: %v", r)
			}
		}()
		srv := newTestServer()
		shared.tp = &Temporal{Server: srv, Client: srv.GetDefaultClient()}
		shared.err = shared.tp.registerSearchAttributes()
	})
	require.NoError(t, shared.err)
	return shared.tp
}

// StopSharedTemporal stops the server SharedTemporal started, if any.
func StopSharedTemporal() {
	if shared.tp == nil {
		return
	}
	// Without a *testing.T, temporaltest panics to report a shutdown error;
	// the tests have finished by now, so it is only worth a line.
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "stopping the Temporal test server: %v\n", r)
		}
	}()
	shared.tp.Server.Stop()
}

// WaitPoller waits until some worker polls taskQueue for workflow tasks, so
// that a test does not race a worker process still starting up.
func WaitPoller(ctx context.Context, c client.Client, taskQueue string) error {
	for {
		resp, err := c.DescribeTaskQueue(ctx, taskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err == nil && len(resp.GetPollers()) > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no worker polls task queue %s (last error %v): %w", taskQueue, err, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
