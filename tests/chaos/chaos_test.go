package chaos

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/tests/internal/chaoskit"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

var workflowsFlag = flag.Int("workflows", 0, "redemptions to run (default env KYLIN_CHAOS_WORKFLOWS, else 300)")

// defaultWorkflows is the size CI runs.
const defaultWorkflows = 300

// stormAfterStarts is how long the faults stay on after the last start.
const stormAfterStarts = 75 * time.Second

func workflowCount(t *testing.T) int {
	if *workflowsFlag > 0 {
		return *workflowsFlag
	}
	if v := os.Getenv("KYLIN_CHAOS_WORKFLOWS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "KYLIN_CHAOS_WORKFLOWS")
		require.Positive(t, n, "KYLIN_CHAOS_WORKFLOWS")
		return n
	}
	return defaultWorkflows
}

// TestChaos runs the chaos suite (see the package doc): it fails when any
// redemption does not end as its group must, when any token has more than one
// effect, or when any point is lost or left frozen.
func TestChaos(t *testing.T) {
	testenv.SkipIfShort(t, "chaos suite: minutes of wall time")
	n := workflowCount(t)
	// Starts are spread over startSpan so that work is in flight at every kill.
	startSpan := max(15*time.Second, time.Duration(n)*40*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute+time.Duration(n)*150*time.Millisecond)
	defer cancel()

	s := startStack(t, time.Now())
	load := chaoskit.Load{Client: s.client, Admin: s.admin, TaskQueue: taskQueue, Plan: chaoskit.NewPlan(n),
		StartSpan: startSpan, StormAfterStarts: stormAfterStarts}
	result := chaoskit.Run(ctx, t, load, func(ctx context.Context) {
		require.NoError(t, testenv.Pause(ctx, startSpan/4))
		s.killWorker()
		require.NoError(t, testenv.Pause(ctx, startSpan/8))
		s.restartSandbox(ctx)
		require.NoError(t, testenv.Pause(ctx, startSpan/8))
		s.restartTemporal()
		require.NoError(t, testenv.Pause(ctx, startSpan/8))
		s.killWorker()
	})
	s.logf("every redemption awaited")

	statsCtx, statsCancel := context.WithTimeout(context.Background(), time.Minute)
	defer statsCancel()
	stats, err := s.stats(statsCtx)
	require.NoError(t, err)
	r := chaoskit.Collect(t, s.client, s.admin, result, stats, s.disruptions())
	table := r.String()
	t.Log("\n" + table)
	fmt.Println(table)
	if path := os.Getenv("KYLIN_CHAOS_REPORT"); path != "" {
		require.NoError(t, os.WriteFile(path, []byte(table), 0o644))
	}
	r.Require(t)
	s.checkAlive()
}
