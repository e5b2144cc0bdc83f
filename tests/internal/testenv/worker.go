package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
)

// memberHashKey is the member hash key of the test workers (WorkerConfig).
var memberHashKey = []byte("kylin-points-test-member-hash-key")

// WorkerConfig is the worker configuration that points at a sandbox with the
// demo caller's credentials on the given task queue, with the search
// attributes on and members hashed, as a production worker would run.
func WorkerConfig(sandboxURL, taskQueue string) config.Config {
	return config.Config{
		TaskQueue: taskQueue,
		LogLevel:  "info",
		CRM: config.CRM{
			BaseURL:     sandboxURL,
			ServiceName: sandbox.DemoServiceName,
			Secret:      sandbox.DemoSecret,
			Timeout:     crm.DefaultTimeout,
			MemberType:  crm.DefaultMemberType,
			ChannelType: crm.DefaultChannelType,
			FreezePath:  crm.DefaultFreezePath,
			ReleasePath: crm.DefaultReleasePath,
			ConsumePath: crm.DefaultConsumePath,
		},
		Search: config.Search{Enabled: true, MemberMode: search.MemberHashed, MemberKey: memberHashKey},
	}
}

// RunWorker runs the worker's own wiring (workerapp) in this process against
// tp until t ends.
func RunWorker(t testing.TB, tp *Temporal, cfg config.Config, o workerapp.Options) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logger := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	if cfg.Temporal.Namespace == "" {
		cfg.Temporal.Namespace = tp.Namespace()
	}
	go func() { done <- workerapp.RunWithOptions(ctx, tp.Client, cfg, logger, o) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(30 * time.Second):
			t.Error("worker did not stop within 30s")
		}
	})
}
