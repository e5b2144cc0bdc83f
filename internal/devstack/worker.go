package devstack

import (
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
)

// workerRun is the worker the stack runs in process.
type workerRun struct {
	w         worker.Worker
	onPolling func(bool)
}

// startWorker starts the kylin-points worker (internal/workerapp, as the
// worker binary builds it) on the stack's client. A fatal worker error, e.g.
// a lost namespace, is logged and reported on progress.
func startWorker(c client.Client, cfg config.Config, logger *zap.Logger, o workerapp.Options, progress func(string, ...any)) (*workerRun, error) {
	r := &workerRun{onPolling: func(bool) {}}
	if o.OnPolling != nil {
		r.onPolling = o.OnPolling
	}
	r.w = workerapp.New(c, cfg, logger, o, func(err error) {
		r.onPolling(false)
		logger.Error("worker stopped", zap.Error(err))
		progress("worker stopped: %v", err)
	})
	if err := r.w.Start(); err != nil {
		return nil, err
	}
	r.onPolling(true)
	return r, nil
}

// stop stops polling and waits for running activities.
func (r *workerRun) stop() {
	r.onPolling(false)
	r.w.Stop()
}

// workerConfig points the worker at the sandbox (in this process or, with
// NoSandbox, one run separately on the same address) as its demo caller.
func (s *Stack) workerConfig() config.Config {
	return config.Config{
		TaskQueue: TaskQueue,
		CRM: config.CRM{
			BaseURL:     s.SandboxURL(),
			ServiceName: sandbox.DemoServiceName,
			Secret:      sandbox.DemoSecret,
		},
	}
}
