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

	"github.com/kylinpoints/kylin-points/crm/sandbox"
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
	if testing.Short() {
		t.Skip("chaos suite: minutes of wall time")
	}
	n := workflowCount(t)
	began := time.Now()
	// Starts are spread over startSpan so that work is in flight at every kill.
	startSpan := max(15*time.Second, time.Duration(n)*40*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute+time.Duration(n)*150*time.Millisecond)
	defer cancel()

	s := startStack(t, began)
	p := newPlan(n)
	for m, g := range p.granted {
		_, err := s.admin.Grant(ctx, m, g)
		require.NoError(t, err)
	}
	started := make(chan error, 1)
	go func() { started <- startAll(ctx, s.tp.Client, p, startSpan) }()
	var (
		problems   map[string]error
		rejections []string
	)
	driven := make(chan struct{})
	go func() {
		defer close(driven)
		problems, rejections = driveAll(ctx, s.tp.Client, p)
	}()
	awaited := make(chan map[string]outcome, 1)
	go func() { awaited <- awaitAll(ctx, s.tp.Client, p) }()
	// After the storm the faults are lifted, as outages end: stragglers deep
	// in their retry backoff (up to a minute between attempts) then finish
	// on their next attempt, which bounds the run's wall time.
	lifted := make(chan lift, 1)
	go func() {
		if sleep(ctx, time.Until(began.Add(startSpan+stormAfterStarts))) == nil {
			lifted <- lift{at: time.Now(), err: s.admin.SetFaults(ctx, sandbox.Faults{})}
		}
	}()

	require.NoError(t, sleep(ctx, startSpan/3))
	s.killWorker()
	require.NoError(t, sleep(ctx, startSpan/6))
	s.restartSandbox(ctx)
	require.NoError(t, sleep(ctx, startSpan/6))
	s.killWorker()

	require.NoError(t, <-started)
	<-driven
	outcomes := <-awaited
	s.logf("every redemption awaited")

	r := s.report(p, outcomes, len(rejections), lifted)
	table := r.String()
	t.Log("\n" + table)
	fmt.Println(table)
	if path := os.Getenv("KYLIN_CHAOS_REPORT"); path != "" {
		require.NoError(t, os.WriteFile(path, []byte(table), 0o644))
	}
	s.explain(p, outcomes, rejections)
	for id, err := range problems {
		t.Errorf("driving %s: %v", id, err)
	}
	require.Empty(t, r.verdict.notTerminal, "every workflow must end")
	require.Empty(t, r.verdict.wrongOutcome, "every group must end as it should")
	require.Empty(t, r.verdict.ledgerBroken, "the ledger must show exactly-once")
	require.Zero(t, r.verdict.duplicates)
	require.Zero(t, r.verdict.lostHundredths)
	require.Positive(t, r.stats.Faults["fail_after"], "faults were injected")
	s.checkWorkerAlive()
}

// lift is when the faults were lifted, and whether that worked.
type lift struct {
	at  time.Time
	err error
}

// report reads the ledger, the counters and the histories, and checks them.
func (s *stack) report(p plan, outcomes map[string]outcome, rejections int, lifted <-chan lift) report {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l, err := readLedger(ctx, s.admin, p)
	require.NoError(s.t, err)
	stats, err := s.stats(ctx)
	require.NoError(s.t, err)
	att, err := countAttempts(ctx, s.tp.Client, p)
	require.NoError(s.t, err)
	r := report{
		workflows: len(p.redemptions), workerKills: s.kills, sandboxRestarts: s.restarts, plan: p, outcomes: outcomes,
		stats: stats, attempts: att, verdict: verify(p, outcomes, l), began: s.began, rejections: rejections,
	}
	select {
	case lf := <-lifted:
		require.NoError(s.t, lf.err, "lifting the faults")
		r.liftedAt = lf.at
	default:
	}
	r.wall = time.Since(s.began)
	return r
}

// explain logs what a person needs to look into a failed run: the first
// redemptions that did not end, and the updates that were rejected.
func (s *stack) explain(p plan, outcomes map[string]outcome, rejections []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	shown := 0
	for _, r := range p.redemptions {
		if o := outcomes[r.id]; (o.err != nil || !o.status.State.Terminal()) && shown < 5 {
			s.t.Log(diagnose(ctx, s.tp.Client, r.id))
			shown++
		}
	}
	for i, rej := range rejections {
		if i < 10 {
			s.t.Logf("update rejected, sent again: %s", rej)
		}
	}
}
