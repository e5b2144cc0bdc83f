package testenv

import (
	"cmp"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/kylinpoints/kylin-points/internal/devstack"
	"github.com/kylinpoints/kylin-points/internal/logging"
)

// StartDevStack runs what `go run ./dev` runs, with opts, in memory and on
// free loopback ports (for the addresses opts leave empty): the Temporal
// server (whose frontend serves Nexus over HTTP), the CRM sandbox, the
// worker, the Nexus endpoint devstack.NexusEndpoint and, unless opts.NoUI,
// the Web UI. Stopped when t ends.
func StartDevStack(ctx context.Context, t testing.TB, opts devstack.Options) *devstack.Stack {
	t.Helper()
	SkipIfShort(t, "starts the dev stack")
	const free = "127.0.0.1:0"
	opts.Memory = true
	opts.TemporalAddr = cmp.Or(opts.TemporalAddr, free)
	opts.UIAddr = cmp.Or(opts.UIAddr, free)
	opts.SandboxAddr = cmp.Or(opts.SandboxAddr, free)
	stack, err := devstack.Start(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(stack.Stop)
	return stack
}

// AddNamespace registers namespace name on the server c talks to (at
// hostPort) and returns a client of it once the server's services know it;
// the client is closed when t ends.
func AddNamespace(ctx context.Context, t testing.TB, c client.Client, hostPort, name string) client.Client {
	t.Helper()
	_, err := c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        name,
		WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	})
	require.NoError(t, err, "registering namespace %s", name)
	nc, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: name, Logger: logging.NewSDKLogger(zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)).Named(name))})
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	require.NoError(t, waitNamespace(ctx, nc, name))
	return nc
}

// waitNamespace waits until the frontend and matching answer for a new
// namespace: each keeps a cache of namespaces, refreshed every few seconds.
func waitNamespace(ctx context.Context, c client.Client, name string) error {
	for {
		_, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: name})
		if err == nil {
			_, err = c.DescribeTaskQueue(ctx, "namespace-probe", enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		}
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s not usable (last error %v): %w", name, err, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
