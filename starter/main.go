// Command starter starts and settles kylin-points redemptions:
// redeem, confirm, cancel, status and freeze. See `starter --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kylinpoints/kylin-points/internal/startercli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := startercli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
