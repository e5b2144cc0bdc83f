package chaoskit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// Load is one rehearsal: n redemptions on a task queue, started over
// StartSpan, with the sandbox's faults lifted StormAfterStarts after the
// last start (as outages end), so that stragglers deep in their retry
// backoff finish and the run's wall time stays bounded.
type Load struct {
	Client           client.Client
	Admin            testenv.Admin
	TaskQueue        string
	Plan             Plan
	StartSpan        time.Duration
	StormAfterStarts time.Duration
}

// Result is what a Run saw; Collect turns it into a Report.
type Result struct {
	plan       Plan
	began      time.Time
	outcomes   map[string]outcome
	problems   map[string]error
	rejections []string
	lifted     lift
}

// lift is when the faults were lifted, and whether that worked.
type lift struct {
	at  time.Time
	err error
}

// Run grants the plan's members their points, then starts, drives and
// awaits every redemption while disrupt kills and restarts what the caller
// chose; it returns once every redemption has ended or ctx has.
func Run(ctx context.Context, t *testing.T, l Load, disrupt func(ctx context.Context)) Result {
	t.Helper()
	r := Result{plan: l.Plan, began: time.Now()}
	for m, g := range l.Plan.granted {
		_, err := l.Admin.Grant(ctx, m, g)
		require.NoError(t, err)
	}
	started := make(chan error, 1)
	go func() { started <- startAll(ctx, l.Client, l.TaskQueue, l.Plan, l.StartSpan) }()
	driven := make(chan struct{})
	go func() {
		defer close(driven)
		r.problems, r.rejections = driveAll(ctx, l.Client, l.Plan)
	}()
	awaited := make(chan map[string]outcome, 1)
	go func() { awaited <- awaitAll(ctx, l.Client, l.Plan) }()
	lifted := make(chan lift, 1)
	go func() {
		if testenv.Pause(ctx, time.Until(r.began.Add(l.StartSpan+l.StormAfterStarts))) == nil {
			lifted <- lift{at: time.Now(), err: l.Admin.SetFaults(ctx, sandbox.Faults{})}
		}
	}()

	disrupt(ctx)

	require.NoError(t, <-started)
	<-driven
	r.outcomes = <-awaited
	select {
	case r.lifted = <-lifted:
		require.NoError(t, r.lifted.err, "lifting the faults")
	default:
	}
	return r
}

// Collect reads the ledger and the histories and checks them. stats are
// the sandbox's counters over all its lives; disruptions say what was done
// to the processes, for the table's first line.
func Collect(t *testing.T, c client.Client, admin testenv.Admin, r Result, stats sandbox.Stats, disruptions string) Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l, err := readLedger(ctx, admin, r.plan)
	require.NoError(t, err)
	att, err := countAttempts(ctx, c, r.plan)
	require.NoError(t, err)
	rep := report{
		workflows: len(r.plan.redemptions), disruptions: disruptions, plan: r.plan, outcomes: r.outcomes,
		stats: stats, attempts: att, verdict: verify(r.plan, r.outcomes, l), began: r.began,
		rejections: len(r.rejections), liftedAt: r.lifted.at, wall: time.Since(r.began),
	}
	for i, rej := range r.rejections {
		if i < 10 {
			t.Logf("update rejected, sent again: %s", rej)
		}
	}
	shown := 0
	for _, p := range r.plan.redemptions {
		if o := r.outcomes[p.id]; (o.err != nil || !o.status.State.Terminal()) && shown < 5 {
			t.Log(diagnose(ctx, c, p.id))
			shown++
		}
	}
	for id, err := range r.problems {
		t.Errorf("driving %s: %v", id, err)
	}
	return Report{rep}
}

// Report is the table of one rehearsal and the verdict of its checks.
type Report struct{ r report }

// String renders the table.
func (r Report) String() string { return r.r.String() }

// Require fails t unless the run was exactly-once (RequireExactlyOnce) and
// the after-commit faults (the lost answers) did happen.
func (r Report) Require(t *testing.T) {
	t.Helper()
	r.RequireExactlyOnce(t)
	require.Positive(t, r.r.stats.Faults["fail_after"], "faults were injected")
}

// RequireExactlyOnce fails t unless every redemption ended as its group
// must, no token had a second effect, and no point was lost or left frozen.
func (r Report) RequireExactlyOnce(t *testing.T) {
	t.Helper()
	v := r.r.verdict
	require.Empty(t, v.notTerminal, "every workflow must end")
	require.Empty(t, v.wrongOutcome, "every group must end as it should")
	require.Empty(t, v.ledgerBroken, "the ledger must show exactly-once")
	require.Zero(t, v.duplicates)
	require.Zero(t, v.lostHundredths)
}

// Len is the number of redemptions in the plan.
func (p Plan) Len() int { return len(p.redemptions) }
