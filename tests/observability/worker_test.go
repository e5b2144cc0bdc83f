package observability

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// observedWorker is the worker binary's wiring (workerapp.Observe, its
// Options, Serve and RunWithOptions) run in this process.
type observedWorker struct {
	obs    *workerapp.Observability
	client client.Client
	// stopWorker stops polling; the metrics listener keeps serving.
	stopWorker context.CancelFunc
	workerDone chan error
}

// noEnv keeps the developer's TEMPORAL_* variables out of the test.
func noEnv(string) string { return "" }

// startObservedWorker wires cfg as worker/main.go does, against tp, and
// serves its metrics until the test ends. The client has the worker's
// metrics handler and data converter.
func startObservedWorker(t *testing.T, tp *testenv.Temporal, cfg config.Config, logger *zap.Logger) *observedWorker {
	t.Helper()
	cfg.Temporal = config.Temporal{Address: tp.HostPort(), Namespace: tp.Namespace(), Env: noEnv}
	obs, err := workerapp.Observe(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = obs.Close() })
	hooks := obs.Options()
	opts, err := workerapp.ClientOptions(cfg, logger, hooks)
	require.NoError(t, err)
	c, err := workerapp.Dial(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(c.Close)

	serveCtx, stopServing := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- obs.Serve(serveCtx, c) }()
	t.Cleanup(func() {
		stopServing()
		require.NoError(t, <-served)
	})

	workerCtx, stopWorker := context.WithCancel(context.Background())
	w := &observedWorker{obs: obs, client: c, stopWorker: stopWorker, workerDone: make(chan error, 1)}
	go func() { w.workerDone <- workerapp.RunWithOptions(workerCtx, c, cfg, logger, hooks) }()
	t.Cleanup(w.stop(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, testenv.WaitPoller(ctx, c, cfg.TaskQueue))
	return w
}

// stop returns a function that stops the worker once and checks it stopped cleanly.
func (w *observedWorker) stop(t *testing.T) func() {
	return func() {
		w.stopWorker()
		select {
		case err, ok := <-w.workerDone:
			if ok {
				require.NoError(t, err)
				close(w.workerDone)
			}
		case <-time.After(30 * time.Second):
			t.Error("worker did not stop within 30s")
		}
	}
}
