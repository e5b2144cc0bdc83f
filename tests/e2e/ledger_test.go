package e2e

import (
	"context"
	"testing"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// The ledger checks live in testenv, shared with the Nexus and interop
// suites; these names keep the e2e tests as they read.

func uniqueName(prefix string) string { return testenv.UniqueName(prefix) }

func grant(ctx context.Context, t *testing.T, sb *sandbox.Server, points float64) string {
	t.Helper()
	return testenv.Grant(ctx, t, sb, points)
}

func requireBalance(ctx context.Context, t *testing.T, sb *sandbox.Server, member string, granted, available, frozen, consumed float64) {
	t.Helper()
	testenv.RequireBalance(ctx, t, sb, member, granted, available, frozen, consumed)
}

func requireSettled(ctx context.Context, t *testing.T, sb *sandbox.Server, workflowID, member string, granted, points float64, end workflows.State) {
	t.Helper()
	testenv.RequireSettled(ctx, t, sb, workflowID, member, granted, points, end)
}
