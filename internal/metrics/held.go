package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kylinpoints/kylin-points/workflows"
)

// Names of the reconciliation's gauges (docs/operations.md, The
// reconciliation schedule).
const (
	MetricHeldPoints           = "kylin_held_points"
	MetricHeldRuns             = "kylin_held_runs"
	MetricReconcileLastSuccess = "kylin_reconcile_last_success_timestamp_seconds"
)

// held exports the last counts a reconciliation published on this worker:
// the points and runs held per state and age, while the counts are valid
// (three periods of the Schedule); then nothing, rather than old figures a
// worker that no longer runs the count would keep showing. The time of the
// last count stays, so that a reconciliation that stopped is seen.
type held struct {
	points, runs, last *prometheus.Desc
	now                func() time.Time

	mu     sync.Mutex
	counts *workflows.HeldCounts
}

func newHeld() *held {
	labels := []string{"state", "age"}
	return &held{
		points: prometheus.NewDesc(MetricHeldPoints,
			"Points held by running redemptions, per state and age (under_1h, 1h_to_24h, over_24h since the start; past_hold: FROZEN after its hold ended), as the last reconciliation counted them from visibility.",
			labels, nil),
		runs: prometheus.NewDesc(MetricHeldRuns,
			"Running redemptions holding points, per state and age, as the last reconciliation counted them from visibility.",
			labels, nil),
		last: prometheus.NewDesc(MetricReconcileLastSuccess,
			"When this worker last counted the held points (Unix seconds).", nil, nil),
		now: time.Now,
	}
}

func (h *held) publish(c workflows.HeldCounts) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts = &c
}

func (h *held) Describe(ch chan<- *prometheus.Desc) {
	ch <- h.points
	ch <- h.runs
	ch <- h.last
}

func (h *held) Collect(ch chan<- prometheus.Metric) {
	h.mu.Lock()
	c := h.counts
	h.mu.Unlock()
	if c == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(h.last, prometheus.GaugeValue, float64(c.At.UnixNano())/1e9)
	if c.ValidFor > 0 && h.now().After(c.At.Add(c.ValidFor)) {
		return
	}
	for _, n := range c.Counts {
		ch <- prometheus.MustNewConstMetric(h.points, prometheus.GaugeValue, n.Points, string(n.State), n.Age)
		ch <- prometheus.MustNewConstMetric(h.runs, prometheus.GaugeValue, float64(n.Runs), string(n.State), n.Age)
	}
}

// PublishHeld exports counts of the reconciliation (workflows.HeldCounter.Publish).
func (m *Metrics) PublishHeld(c workflows.HeldCounts) { m.held.publish(c) }
