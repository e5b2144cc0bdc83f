package bench

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
)

// figures holds every metric reported in this process, so that TestMain can
// summarise the -count runs of each benchmark.
var figures = newCollector()

// figureKey names one figure: the benchmark and the metric's unit.
type figureKey struct{ bench, unit string }

// collector keeps the samples of each figure in the order first seen.
type collector struct {
	mu     sync.Mutex
	order  []figureKey
	values map[figureKey][]float64
}

func newCollector() *collector { return &collector{values: map[figureKey][]float64{}} }

func (c *collector) add(bench, unit string, v float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := figureKey{bench, unit}
	if _, ok := c.values[k]; !ok {
		c.order = append(c.order, k)
	}
	c.values[k] = append(c.values[k], v)
}

// empty reports whether nothing was reported.
func (c *collector) empty() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.order) == 0
}

// samples returns a copy of the samples of one figure.
func (c *collector) samples(bench, unit string) []float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.values[figureKey{bench, unit}])
}

// report gives v to the testing package as a custom metric of b and keeps
// it for the summary.
func report(b *testing.B, v float64, unit string) {
	b.Helper()
	b.ReportMetric(v, unit)
	figures.add(b.Name(), unit, v)
}

// summary is the median, minimum and maximum of some samples.
type summary struct {
	median, min, max float64
	n                int
}

// summarise returns the summary of xs; ok is false when xs is empty.
func summarise(xs []float64) (s summary, ok bool) {
	if len(xs) == 0 {
		return summary{}, false
	}
	sorted := slices.Sorted(slices.Values(xs))
	n := len(sorted)
	med := sorted[n/2]
	if n%2 == 0 {
		med = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return summary{median: med, min: sorted[0], max: sorted[n-1], n: n}, true
}

// writeTable prints one line per figure: median and min–max over its runs.
func (c *collector) writeTable(w io.Writer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(w, "%-48s %-16s %12s %25s %5s\n", "figure", "unit", "median", "min–max", "runs")
	for _, k := range c.order {
		s, _ := summarise(c.values[k])
		fmt.Fprintf(w, "%-48s %-16s %12.4g %25s %5d\n", k.bench, k.unit, s.median,
			fmt.Sprintf("%.4g–%.4g", s.min, s.max), s.n)
	}
}
