package chaoskit

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/workflows"
)

// report is everything the table shows.
type report struct {
	workflows int
	// disruptions says what was killed and restarted, e.g. "worker SIGKILLed 2 times".
	disruptions string
	outcomes    map[string]outcome
	plan        Plan
	// stats are the sandbox's counters summed over its lives.
	stats    sandbox.Stats
	attempts attempts
	verdict  verdict
	wall     time.Duration
	// began is the start of the run; liftedAt when the faults were lifted
	// (zero when every redemption ended first).
	began, liftedAt time.Time
	// rejections counts confirm and cancel updates the validator refused
	// although the status query had said FROZEN (each sent again).
	rejections int
}

// faultWindow says how long the faults were on and who was still running
// when they were lifted.
func (r report) faultWindow() string {
	if r.liftedAt.IsZero() {
		return "faults on every operation for the whole run"
	}
	running := 0
	for _, o := range r.outcomes {
		if o.err != nil || o.status.SettledAt.After(r.liftedAt) {
			running++
		}
	}
	return fmt.Sprintf("faults on every operation for the first %s, then lifted with %d workflows still running",
		r.liftedAt.Sub(r.began).Round(time.Second), running)
}

// AddStats sums two snapshots of the sandbox's counters.
func AddStats(a, b sandbox.Stats) sandbox.Stats {
	out := sandbox.Stats{Calls: map[string]map[string]int64{}, Faults: map[string]int64{}}
	for _, s := range []sandbox.Stats{a, b} {
		for op, m := range s.Calls {
			if out.Calls[op] == nil {
				out.Calls[op] = map[string]int64{}
			}
			for k, v := range m {
				out.Calls[op][k] += v
			}
		}
		for k, v := range s.Faults {
			out.Faults[k] += v
		}
	}
	return out
}

// String renders the table.
func (r report) String() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(&b, "kylin-points chaos: %d workflows, %s, wall time %s\n",
		r.workflows, r.disruptions, r.wall.Round(time.Second))
	fmt.Fprintf(&b, "%s\n\n", r.faultWindow())

	states := []workflows.State{workflows.StateConsumed, workflows.StateReleased, workflows.StateFailed}
	fmt.Fprintln(&b, "workflows by final state")
	fmt.Fprint(w, "group\t")
	for _, s := range states {
		fmt.Fprintf(w, "%s\t", s)
	}
	fmt.Fprint(w, "not ended\ttotal\t\n")
	for _, g := range groups {
		counts, other, total := map[workflows.State]int{}, 0, 0
		for _, p := range r.plan.redemptions {
			if p.group != g {
				continue
			}
			total++
			o := r.outcomes[p.id]
			if o.err != nil || !o.status.State.Terminal() {
				other++
				continue
			}
			counts[o.status.State]++
		}
		fmt.Fprintf(w, "%s\t", g)
		for _, s := range states {
			fmt.Fprintf(w, "%d\t", counts[s])
		}
		fmt.Fprintf(w, "%d\t%d\t\n", other, total)
	}
	_ = w.Flush()

	fmt.Fprintln(&b, "\nCRM calls by operation and outcome (counted by the sandbox, over all its lives)")
	outcomes := map[string]bool{}
	for _, m := range r.stats.Calls {
		for k := range m {
			outcomes[k] = true
		}
	}
	cols := slices.Sorted(maps.Keys(outcomes))
	fmt.Fprintf(w, "operation\t%s\ttotal\t\n", strings.Join(cols, "\t"))
	for _, op := range []string{crm.OpFreeze, crm.OpRelease, crm.OpConsume} {
		fmt.Fprintf(w, "%s\t", op)
		var total int64
		for _, c := range cols {
			fmt.Fprintf(w, "%d\t", r.stats.Calls[op][c])
			total += r.stats.Calls[op][c]
		}
		fmt.Fprintf(w, "%d\t\n", total)
	}
	_ = w.Flush()

	fmt.Fprintln(&b, "\nfaults injected by kind")
	for _, k := range []string{"fail_before", "fail_after", "latency", "too_many"} {
		fmt.Fprintf(w, "%s\t%d\t\n", k, r.stats.Faults[k])
	}
	_ = w.Flush()

	fmt.Fprintln(&b, "\nactivities and retries (from the workflow histories: attempts beyond the first)")
	fmt.Fprint(w, "activity\tactivities\tretries\t\n")
	for _, a := range slices.Sorted(maps.Keys(r.attempts.activities)) {
		fmt.Fprintf(w, "%s\t%d\t%d\t\n", a, r.attempts.activities[a], r.attempts.retries[a])
	}
	_ = w.Flush()

	fmt.Fprintln(&b)
	fmt.Fprintf(w, "duplicates (effects beyond the first under one token; must be 0)\t%d\t\n", r.verdict.duplicates)
	fmt.Fprintf(w, "lost or stranded points (must be 0)\t%s\t\n", formatHundredths(r.verdict.lostHundredths))
	fmt.Fprintf(w, "workflows not ended\t%d\t\n", len(r.verdict.notTerminal))
	fmt.Fprintf(w, "workflows with an unexpected outcome\t%d\t\n", len(r.verdict.wrongOutcome))
	fmt.Fprintf(w, "ledger problems\t%d\t\n", len(r.verdict.ledgerBroken))
	fmt.Fprintf(w, "updates rejected while the status said FROZEN (sent again)\t%d\t\n", r.rejections)
	fmt.Fprintf(w, "wall time\t%s\t\n", r.wall.Round(time.Second))
	_ = w.Flush()
	return b.String()
}

func formatHundredths(h int64) string {
	return fmt.Sprintf("%.2f", crm.PointsFromHundredths(h))
}
