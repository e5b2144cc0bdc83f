package devstack

import (
	"context"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
)

// startWorker starts the kylin-points worker on the stack's client the way
// the worker binary does (workerapp.Start). A fatal worker error, e.g. a
// lost namespace, is reported on progress.
func (s *Stack) startWorker(ctx context.Context) error {
	w, err := workerapp.Start(ctx, s.client, Namespace, s.workerConfig(), s.logs.Named("worker"), s.opts.WorkerOptions)
	if err != nil {
		return err
	}
	s.worker = w
	go func() {
		if err, ok := <-w.Fatal(); ok {
			s.progress("worker stopped: %v", err)
		}
	}()
	return nil
}

// workerConfig points the worker at the sandbox (in this process or, with
// NoSandbox, one run separately on the same address) as its demo caller.
// The demo members are not people, so their IDs are searchable as they are.
func (s *Stack) workerConfig() config.Config {
	return config.Config{
		TaskQueue: TaskQueue,
		CRM: config.CRM{
			BaseURL:     s.SandboxURL(),
			ServiceName: sandbox.DemoServiceName,
			Secret:      sandbox.DemoSecret,
		},
		Search: config.Search{Enabled: true, MemberMode: search.MemberRaw},
	}
}
