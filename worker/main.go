// Command worker runs the kylin-points workflows and CRM activities.
// Configuration: see `worker --help` and docs/design.md (Configuration contract).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/logging"
	"github.com/kylinpoints/kylin-points/internal/tracing"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := config.Load(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		config.WriteWorkerUsage(os.Stdout)
		return 0
	}
	if err != nil {
		var problems config.Problems
		if !errors.As(err, &problems) {
			problems = config.Problems{err.Error()}
		}
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "worker: "+p)
		}
		return 2
	}
	logger, err := logging.New(cfg.LogLevel)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker: "+err.Error())
		return 2
	}
	defer func() { _ = logger.Sync() }()

	obs, err := workerapp.Observe(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker: "+err.Error())
		return 1
	}
	defer func() { _ = obs.Close() }()
	hooks := obs.Options()
	tr, err := tracing.FromEnv(ctx, os.Getenv, "kylin-points-worker")
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker: "+err.Error())
		return 2
	}
	defer func() { _ = tr.Close() }()
	hooks.Interceptors, hooks.WrapTransport = tr.ClientInterceptors(), tr.Transport

	opts, err := workerapp.ClientOptions(cfg, logger, hooks)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker: "+err.Error())
		return 2
	}
	logger.Info("kylin-points worker starting",
		zap.String("address", opts.HostPort),
		zap.String("namespace", opts.Namespace),
		zap.String("taskQueue", cfg.TaskQueue),
		zap.String("crmBaseURL", cfg.CRM.BaseURL),
		zap.String("metricsAddr", obs.Addr()),
		zap.Stringer("payload", cfg.Payload),
		zap.Bool("tracing", tr.Enabled()))
	c, err := workerapp.Dial(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker: "+err.Error())
		return 1
	}
	defer c.Close()

	hooks.Server = workerapp.ServerOf(opts)
	hooks.Notify = func(line string) { fmt.Fprintln(os.Stderr, "worker: "+line) }
	w, err := workerapp.Start(ctx, c, opts.Namespace, cfg, logger, hooks)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker: "+err.Error())
		return 1
	}
	served := make(chan error, 1)
	go func() { served <- obs.Serve(ctx, c) }()
	if err := w.Wait(ctx); err != nil {
		logger.Error("worker stopped", zap.Error(err))
		fmt.Fprintln(os.Stderr, "worker: "+err.Error())
		return 1
	}
	stop()
	if err := <-served; err != nil {
		logger.Warn("metrics server", zap.Error(err))
	}
	logger.Info("worker stopped")
	return 0
}
