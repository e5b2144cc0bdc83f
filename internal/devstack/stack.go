package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"

	uiserver "github.com/temporalio/ui-server/v2/server"
	"go.temporal.io/sdk/client"
	serverlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/temporal"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/logging"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
)

// Stack is a running dev stack. Stop it when done.
type Stack struct {
	opts         Options
	temporalAddr string
	uiAddr       string
	sandboxAddr  string

	logs    logs
	server  temporal.Server
	client  client.Client
	sandbox *sandbox.Serving
	ui      *uiserver.Server
	worker  *workerapp.Running
	obs     *observability

	stopOnce sync.Once
}

// Start brings up the parts of the stack that opts ask for: the Temporal
// server, the CRM sandbox, the Web UI and the worker, in that order, and
// returns once all of them serve. Every address is checked first, so that
// a taken port fails at once with a *listen.InUseError naming the flag that changes it. On error, whatever
// was started is stopped again.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	opts = opts.withDefaults()
	s := &Stack{opts: opts, logs: logs{close: func() {}}}
	sandboxListener, err := s.reserveAddrs()
	if err != nil {
		return nil, err
	}
	if err := s.start(ctx, sandboxListener); err != nil {
		if sandboxListener != nil && s.sandbox == nil {
			_ = sandboxListener.Close()
		}
		s.Stop()
		return nil, err
	}
	return s, nil
}

// reserveAddrs checks every address before anything starts. The sandbox
// keeps its listener; the Temporal server and the UI open their own, so
// theirs are only probed.
func (s *Stack) reserveAddrs() (net.Listener, error) {
	// The listener kept open comes first, so that no probed port, released
	// again until its server starts, can be handed to it.
	if err := s.reserveObservability(); err != nil {
		return nil, err
	}
	s.warnIfReachable()
	var err error
	if s.temporalAddr, err = probe(s.opts.TemporalAddr, FlagTemporalAddr); err != nil {
		_ = s.stopObservability()
		return nil, err
	}
	if !s.opts.NoUI {
		if s.uiAddr, err = probe(s.opts.UIAddr, FlagUIAddr); err != nil {
			_ = s.stopObservability()
			return nil, err
		}
	} else {
		s.uiAddr = s.opts.UIAddr
	}
	if s.opts.NoSandbox {
		s.sandboxAddr = s.opts.SandboxAddr
		return nil, nil
	}
	l, err := listenAddr(s.opts.SandboxAddr, FlagSandboxAddr)
	if err != nil {
		_ = s.stopObservability()
		return nil, err
	}
	s.sandboxAddr = l.Addr().String()
	return l, nil
}

func (s *Stack) start(ctx context.Context, sandboxListener net.Listener) error {
	err := s.openDataDir()
	if err != nil {
		return err
	}
	l, err := openLogs(s.opts)
	if err != nil {
		return err
	}
	s.logs = l

	if err := s.startTemporal(ctx); err != nil {
		return err
	}
	if err := s.createNexusEndpoint(ctx); err != nil {
		return err
	}
	s.serveObservability()
	if sandboxListener != nil {
		s.progress("starting CRM sandbox on %s …", s.SandboxURL())
		if s.sandbox, err = startSandbox(ctx, sandboxListener, s.opts.dataFile(sandboxDBFile), s.logs.Logger); err != nil {
			return err
		}
	}
	if !s.opts.NoUI {
		s.progress("starting Temporal Web UI on %s …", s.UIURL())
		s.ui = newUIServer(s.uiAddr, s.temporalAddr, s.opts.UICodecEndpoint)
		if err := startUI(ctx, s.ui, s.uiAddr); err != nil {
			return fmt.Errorf("starting the Web UI: %w", err)
		}
	}
	if !s.opts.NoWorker {
		s.progress("starting worker on task queue %s …", TaskQueue)
		if err := s.startWorker(ctx); err != nil {
			return fmt.Errorf("starting the worker: %w", err)
		}
	}
	return nil
}

// openDataDir creates the data directory and says what the first, slow
// step will do.
func (s *Stack) openDataDir() error {
	if s.opts.Memory {
		s.progress("starting Temporal server on %s (in memory: nothing is kept) …", s.temporalAddr)
		return nil
	}
	what := "data in " + s.opts.DataDir + "/"
	if _, err := os.Stat(s.opts.DataDir); os.IsNotExist(err) {
		what = "first start creates " + s.opts.DataDir + "/"
	}
	// It holds plaintext histories: only its owner may enter it.
	if err := os.MkdirAll(s.opts.DataDir, 0o700); err != nil {
		return fmt.Errorf("creating the data directory: %w", err)
	}
	if err := os.Chmod(s.opts.DataDir, 0o700); err != nil {
		return fmt.Errorf("closing the data directory to other users: %w", err)
	}
	s.progress("starting Temporal server on %s (%s) …", s.temporalAddr, what)
	return nil
}

func (s *Stack) startTemporal(ctx context.Context) error {
	srv, err := newTemporalServer(s.temporalAddr, s.opts.dataFile(temporalDBFile), serverlog.NewZapLogger(s.logs.Named("temporal")))
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("starting the Temporal server: %w", err)
	}
	s.server = srv
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  s.temporalAddr,
		Namespace: Namespace,
		Logger:    logging.NewSDKLogger(s.logs.Named("sdk")).WithoutMemberData(),
		// The same converter and metrics as the worker's, e.g. a payload codec.
		DataConverter:    s.opts.WorkerOptions.DataConverter,
		FailureConverter: s.opts.WorkerOptions.FailureConverter,
		MetricsHandler:   s.opts.WorkerOptions.MetricsHandler,
	})
	if err != nil {
		return fmt.Errorf("connecting to the Temporal server on %s: %w", s.temporalAddr, err)
	}
	s.client = c
	// A worker started apart (-worker=false) needs them as much as ours.
	return search.Register(ctx, c.OperatorService(), Namespace)
}

// Stop stops the worker, the UI, the sandbox and the Temporal server, in
// that order, letting work in flight finish. It is safe to call more than
// once; problems are reported on Options.Progress.
func (s *Stack) Stop() {
	s.stopOnce.Do(func() {
		var errs []error
		if s.worker != nil {
			s.progress("stopping worker …")
			s.worker.Stop()
		}
		if s.ui != nil {
			s.progress("stopping Web UI …")
			s.ui.Stop()
		}
		if s.sandbox != nil {
			s.progress("stopping CRM sandbox …")
			errs = append(errs, s.sandbox.Stop(sandboxStopTimeout))
		}
		errs = append(errs, s.stopObservability())
		if s.client != nil {
			s.client.Close()
		}
		if s.server != nil {
			s.progress("stopping Temporal server …")
			s.logs.quietShutdown(s.opts.Verbose)
			errs = append(errs, s.server.Stop())
		}
		s.logs.close()
		if err := errors.Join(errs...); err != nil {
			s.progress("stopped, with errors: %v", err)
		}
	})
}

func (s *Stack) progress(format string, args ...any) {
	_, _ = fmt.Fprintf(s.opts.Progress, format+"\n", args...)
}
