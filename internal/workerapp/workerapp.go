// Package workerapp is the worker process without its main: it builds the
// CRM client and the activities from the configuration, registers the
// workflows on the task queue and runs until its context ends. The worker
// binary, the dev stack and the end-to-end tests share it.
package workerapp

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/logging"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/pointsnexus"
	"github.com/kylinpoints/kylin-points/workflows"
)

// stopGrace is how long, beyond one CRM attempt, a stopping worker waits for
// running activities, so that an answer already on its way is recorded.
const stopGrace = 5 * time.Second

// Options are hooks for what the configuration does not hold. The zero value
// is a plain worker.
type Options struct {
	// MetricsHandler receives the SDK's metrics when Dial makes the client.
	MetricsHandler client.MetricsHandler
	// DataConverter, e.g. a payload codec, is used when Dial makes the client.
	DataConverter converter.DataConverter
	// FailureConverter goes with DataConverter when Dial makes the client,
	// e.g. to encrypt failure messages too; nil is the SDK's default.
	FailureConverter converter.FailureConverter
	// WrapCRM, when set, decorates the CRM client the activities call,
	// e.g. to observe every call.
	WrapCRM func(activities.CRM) activities.CRM
	// Interceptors go on the client Dial makes, e.g. tracing
	// (internal/tracing); they also serve the worker made from it.
	Interceptors []interceptor.ClientInterceptor
	// WrapTransport, when set, wraps the HTTP transport of the CRM client,
	// e.g. to trace every request.
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// OnPolling, when set, hears true once the worker has started polling
	// and false when it stops (asked to, or after a fatal error), e.g. to
	// answer /readyz.
	OnPolling func(polling bool)
	// Register, when set, registers the workflows and activities instead of
	// workflows.Register, e.g. a test's changed workflow under the same name.
	Register func(worker.Registry, *activities.Activities)
	// Server is where the client connects: whether the namespace is on a
	// local development server or on Temporal Cloud decides what Start does
	// when it lacks the search attributes (search.Ensure). RunWithOptions
	// fills it from the configuration when it is zero.
	Server search.Server
	// Notify, when set, hears the one line an operator must read, e.g. that
	// the worker created the search attributes; unset, it is logged.
	Notify func(line string)
	// OnHeld, when set, hears the counts of every reconciliation this
	// worker runs (ReconcileHeldPointsWorkflow), e.g. to export them.
	OnHeld func(workflows.HeldCounts)
}

func (o Options) notify(logger *zap.Logger, line string) {
	if o.Notify != nil {
		o.Notify(line)
		return
	}
	logger.Warn(line)
}

func (o Options) polling(on bool) {
	if o.OnPolling != nil {
		o.OnPolling(on)
	}
}

// ClientOptions are the Temporal client options of cfg (envconfig and the
// --address/--namespace overrides), logging through logger and using o's
// metrics handler and data converter. HostPort and Namespace are always set.
func ClientOptions(cfg config.Config, logger *zap.Logger, o Options) (client.Options, error) {
	opts, err := config.ClientOptions(cfg.Temporal)
	if err != nil {
		return client.Options{}, err
	}
	sdkLogger := logging.NewSDKLogger(logger)
	if !cfg.LogMemberData {
		sdkLogger = sdkLogger.WithoutMemberData()
	}
	opts.Logger = sdkLogger
	opts.MetricsHandler = o.MetricsHandler
	opts.DataConverter = o.DataConverter
	opts.FailureConverter = o.FailureConverter
	opts.Interceptors = append(opts.Interceptors, o.Interceptors...)
	return opts, nil
}

// ServerOf is where opts connect, for Options.Server.
func ServerOf(opts client.Options) search.Server {
	return search.Server{HostPort: opts.HostPort, APIKey: opts.Credentials != nil}
}

// Dial connects to Temporal; its error names the address and namespace.
func Dial(ctx context.Context, opts client.Options) (client.Client, error) {
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("cannot reach Temporal at %s (namespace %s): %w", opts.HostPort, opts.Namespace, err)
	}
	return c, nil
}

// newCRMClient builds the CRM client of cfg: keep-alive connections, no
// redirects followed, one attempt bounded by cfg.Timeout, logging to logger.
func newCRMClient(cfg config.CRM, logger *zap.Logger) *crm.Client {
	c := cfg.Client()
	c.HTTPClient = &http.Client{
		Transport: crm.NewTransport(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	c.Logger = logger.Named("crm")
	return c
}

// newWorker creates the worker of cfg.TaskQueue on c, with the workflows and
// activities registered. onFatal, if not nil, receives an error that stops
// the worker for good (e.g. the namespace does not exist).
func newWorker(c client.Client, namespace string, cfg config.Config, logger *zap.Logger, o Options, onFatal func(error)) worker.Worker {
	crmHTTP := newCRMClient(cfg.CRM, logger)
	crmHTTP.LogMemberData = cfg.LogMemberData
	if o.WrapTransport != nil {
		crmHTTP.HTTPClient.Transport = o.WrapTransport(crmHTTP.HTTPClient.Transport)
	}
	var crmClient activities.CRM = crmHTTP
	if o.WrapCRM != nil {
		crmClient = o.WrapCRM(crmClient)
	}
	w := worker.New(c, cfg.TaskQueue, worker.Options{
		// Every CRM call is one activity task (retries included), so the
		// task queue's activity rate is the CRM call rate of all workers.
		// 0 leaves it unlimited.
		TaskQueueActivitiesPerSecond: cfg.MaxQPS,
		WorkerStopTimeout:            effectiveTimeout(cfg.CRM.Timeout) + stopGrace,
		OnFatalError:                 onFatal,
		DeploymentOptions:            deploymentOptions(cfg.Deployment),
	})
	register := workflows.Register
	if o.Register != nil {
		register = o.Register
	}
	register(w, &activities.Activities{
		CRM:      crmClient,
		Defaults: activities.BodyFields{MemberType: cfg.CRM.MemberType, ChannelType: cfg.CRM.ChannelType},
		Allowed:  cfg.AllowedBody(),
		Search:   activities.Search{Enabled: cfg.Search.Enabled, MemberMode: cfg.Search.MemberMode, MemberKey: cfg.Search.MemberKey},
		Codes:    cfg.CRM.Codes,
	})
	// The reconciliation counts held points from visibility with this
	// worker's client, for the Schedule of `starter schedule create`.
	workflows.RegisterReconcile(w, &workflows.HeldCounter{Client: c, Namespace: namespace, Publish: o.OnHeld})
	// The Nexus service "points" lets workflows of other namespaces call the
	// freeze and the redemption through an endpoint that targets this queue.
	var nexusOpts []pointsnexus.ServiceOption
	if cfg.Search.Enabled {
		// The namespace has the attributes (Start made sure): Nexus starts
		// give a run its first ones, as the starter does.
		nexusOpts = append(nexusOpts, pointsnexus.WithStartAttributes(cfg.Search.ShownMember))
	}
	w.RegisterNexusService(pointsnexus.NewService(nexusOpts...))
	return w
}

// Running is a started worker: the one way the worker binary, the dev
// stack and the tests run it.
type Running struct {
	w      worker.Worker
	fatal  chan error
	o      Options
	cfg    config.Config
	logger *zap.Logger
}

// Start makes sure namespace (c's) has the search attributes when
// cfg.Search.Enabled (a workflow upserting one it lacks would fail its
// tasks): when it lacks them, it creates them as cfg.Search.Create allows
// and says so through o.Notify, or fails with a *search.MissingError saying
// how to add them where the namespace lives. It then creates the worker of
// cfg on c and starts it polling.
func Start(ctx context.Context, c client.Client, namespace string, cfg config.Config, logger *zap.Logger, o Options) (*Running, error) {
	if cfg.Search.Enabled {
		created, err := search.Ensure(ctx, c, namespace, o.Server, cfg.Search.Create)
		if err != nil {
			return nil, err
		}
		if created != nil {
			o.notify(logger, created.String())
		}
	}
	r := &Running{fatal: make(chan error, 1), o: o, cfg: cfg, logger: logger}
	r.w = newWorker(c, namespace, cfg, logger, o, func(err error) {
		o.polling(false)
		select {
		case r.fatal <- err:
		default:
		}
	})
	if err := r.w.Start(); err != nil {
		return nil, fmt.Errorf("starting worker on task queue %s: %w", cfg.TaskQueue, err)
	}
	o.polling(true)
	if cfg.ReconcileEvery > 0 {
		// Optional: a worker whose credentials may not manage Schedules
		// still runs, and says so.
		did, err := workflows.EnsureReconcileSchedule(ctx, c, cfg.TaskQueue, cfg.ReconcileEvery)
		if err != nil {
			o.notify(logger, fmt.Sprintf("%s is set but the Schedule %s could not be made: %v (starter schedule create makes it)",
				config.ReconcileEvery.Env, workflows.ReconcileScheduleID, err))
		} else {
			logger.Info("reconciliation schedule", zap.String("schedule", workflows.ReconcileScheduleID), zap.String("did", did),
				zap.Duration("every", cfg.ReconcileEvery))
		}
	}
	logCodes(logger, cfg.CRM)
	logger.Info("worker started", zap.String("taskQueue", cfg.TaskQueue), zap.Float64("crmMaxQPS", cfg.MaxQPS),
		zap.Stringer("search", cfg.Search), zap.String("deployment", cfg.Deployment.Name), zap.String("buildID", cfg.Deployment.BuildID))
	return r, nil
}

// logCodes says, on one line, which codes mapping the worker reads the
// CRM's answers with, and where it comes from.
func logCodes(logger *zap.Logger, c config.CRM) {
	source := c.CodesFile
	if source == "" {
		source = "defaults (no " + config.CRMCodesFile.Env + ")"
	}
	logger.Info("CRM codes mapping", zap.String("source", source), zap.Stringer("codes", c.CodesInUse()))
}

// Fatal yields the error that stopped the worker for good (e.g. its
// namespace was deleted).
func (r *Running) Fatal() <-chan error { return r.fatal }

// Stop stops polling and waits for running activities, so that an answer
// already on its way is recorded.
func (r *Running) Stop() {
	r.o.polling(false)
	r.w.Stop()
}

// Wait runs the worker until ctx is done, then stops it gracefully. It
// returns nil after a stop asked for by ctx, or the error that made the
// worker fail.
func (r *Running) Wait(ctx context.Context) error {
	var err error
	select {
	case <-ctx.Done():
		r.logger.Info("stopping worker", zap.String("taskQueue", r.cfg.TaskQueue))
	case err = <-r.fatal:
		err = fmt.Errorf("worker on task queue %s failed: %w", r.cfg.TaskQueue, err)
	}
	r.Stop()
	return err
}

// Run runs the worker of cfg on c until ctx is done, then stops it
// gracefully: it stops polling and waits for running activities. It returns
// nil after a stop asked for by ctx, or the error that made the worker fail.
// c stays open; closing it is the caller's.
func Run(ctx context.Context, c client.Client, cfg config.Config, logger *zap.Logger) error {
	return RunWithOptions(ctx, c, cfg, logger, Options{})
}

// RunWithOptions is Run with hooks (Options.WrapCRM and OnPolling apply
// here). The namespace checked for search attributes is cfg's, as the
// configuration resolves it (envconfig and --namespace): c's, when c was
// dialled from cfg.
func RunWithOptions(ctx context.Context, c client.Client, cfg config.Config, logger *zap.Logger, o Options) error {
	opts, err := config.ClientOptions(cfg.Temporal)
	if err != nil {
		return err
	}
	if o.Server == (search.Server{}) {
		o.Server = ServerOf(opts)
	}
	r, err := Start(ctx, c, opts.Namespace, cfg, logger, o)
	if err != nil {
		return err
	}
	return r.Wait(ctx)
}

func effectiveTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return crm.DefaultTimeout
	}
	return d
}
