// Command workerb is build B of the versioning test: the worker's own wiring
// and configuration (internal/workerapp), with the deliberately changed
// RedemptionWorkflow of package changed registered under the released name.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/logging"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/versioning/internal/changed"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "workerb: "+err.Error())
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load(os.Args[1:], os.Getenv)
	if err != nil {
		return err
	}
	logger, err := logging.New(cfg.LogLevel)
	if err != nil {
		return err
	}
	hooks := workerapp.Options{Register: changed.Register}
	opts, err := workerapp.ClientOptions(cfg, logger, hooks)
	if err != nil {
		return err
	}
	c, err := workerapp.Dial(ctx, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	return workerapp.RunWithOptions(ctx, c, cfg, logger, hooks)
}
