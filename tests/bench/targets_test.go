package bench

import (
	"fmt"
	"io"
	"math"
)

// target is one line of the verdict: a figure's median, or the ratio of two
// medians, against a bound. A target with no bound is shown for information.
type target struct {
	what string
	// of is the figure; over, when set, divides it.
	of, over figureKey
	// atLeast and atMost bound the value; NaN means no bound.
	atLeast, atMost float64
}

var noBound = math.NaN()

// targets are the figures the benchmarks are held to.
var targets = []target{
	{what: "saga: in-memory sandbox / no-op ceiling",
		of: figureKey{"BenchmarkSaga", "memory/noop"}, atLeast: 0.9, atMost: noBound},
	{what: "saga: file-backed sandbox / no-op ceiling",
		of: figureKey{"BenchmarkSaga", "file/noop"}, atLeast: 0.9, atMost: noBound},
	{what: "saga by CPU: no-op CPU / in-memory CPU per saga",
		of: figureKey{"BenchmarkSaga", "memory/noop-by-cpu"}, atLeast: 0.9, atMost: noBound},
	{what: "saga by CPU: no-op CPU / file-backed CPU per saga",
		of: figureKey{"BenchmarkSaga", "file/noop-by-cpu"}, atLeast: 0.9, atMost: noBound},
	{what: "crm.Client / bare net/http, p50",
		of: figureKey{"BenchmarkCRMOverhead", "client/bare-p50"}, atLeast: noBound, atMost: 1.2},
	{what: "crm.Client / bare net/http, p99",
		of: figureKey{"BenchmarkCRMOverhead", "client/bare-p99"}, atLeast: noBound, atMost: noBound},
	{what: "Freeze activity (test env) / crm.Client, p50",
		of: figureKey{"BenchmarkCRMOverhead", "activity/client-p50"}, atLeast: noBound, atMost: noBound},
	{what: "durable freezes/s at 64 clients",
		of: figureKey{"BenchmarkSandboxCapacity/clients-64", unitFreezes}, atLeast: 1000, atMost: noBound},
	{what: "redeem start → FROZEN p50, Update-with-Start / floor",
		of: figureKey{"BenchmarkRedeemLatency", "after/floor-p50"}, atLeast: noBound, atMost: 1.25},
	{what: "redeem start → FROZEN p50, polling the status / floor (before)",
		of: figureKey{"BenchmarkRedeemLatency", "before/floor-p50"}, atLeast: noBound, atMost: noBound},
	{what: "status queries sent per redeem (Update-with-Start)",
		of: figureKey{"BenchmarkRedeemLatency", "after-queries/redeem"}, atLeast: noBound, atMost: 0},
	{what: "worker RSS MB, parked.count in FROZEN",
		of: figureKey{"BenchmarkParkedRedemptions", "rss-parked-MB"}, atLeast: noBound, atMost: 200},
}

// value is the target's figure from c; ok is false when a part was not run.
func (t target) value(c *collector) (float64, bool) {
	num, ok := summarise(c.samples(t.of.bench, t.of.unit))
	if !ok {
		return 0, false
	}
	if t.over.bench == "" {
		return num.median, true
	}
	den, ok := summarise(c.samples(t.over.bench, t.over.unit))
	if !ok || den.median == 0 {
		return 0, false
	}
	return num.median / den.median, true
}

// verdict says whether v meets the target: "met", "MISSED" or "info".
func (t target) verdict(v float64) string {
	switch {
	case !math.IsNaN(t.atLeast) && v < t.atLeast, !math.IsNaN(t.atMost) && v > t.atMost:
		return "MISSED"
	case math.IsNaN(t.atLeast) && math.IsNaN(t.atMost):
		return "info"
	}
	return "met"
}

func (t target) bound() string {
	switch {
	case !math.IsNaN(t.atLeast):
		return fmt.Sprintf("≥ %g", t.atLeast)
	case !math.IsNaN(t.atMost):
		return fmt.Sprintf("≤ %g", t.atMost)
	}
	return "—"
}

// writeTargets prints the verdict of every target whose figures were measured.
func writeTargets(w io.Writer, c *collector) {
	fmt.Fprintf(w, "%-48s %12s %10s %8s\n", "target (medians)", "value", "target", "verdict")
	for _, t := range targets {
		v, ok := t.value(c)
		if !ok {
			continue
		}
		fmt.Fprintf(w, "%-48s %12.4g %10s %8s\n", t.what, v, t.bound(), t.verdict(v))
	}
}
