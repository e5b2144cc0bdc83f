// Package metrics exposes the worker's Prometheus metrics: the Temporal SDK's
// own (through its tally bridge) and ours (CRM calls, latency, replayed
// tokens, redemptions by final state), with /healthz and /readyz beside them.
package metrics

import (
	"io"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/pointsnexus"
)

// Outcomes of a CRM call: ok, or the crm.Class of the error.
const (
	outcomeOK        = "ok"
	outcomeRejected  = string(crm.ClassRejected)
	outcomeTransient = string(crm.ClassTransient)
	outcomeInvalid   = string(crm.ClassInvalid)
)

// Metrics holds one Prometheus registry and everything reported into it.
// Create it with New and release it with Close.
type Metrics struct {
	registry *prometheus.Registry

	crmCalls    *prometheus.CounterVec
	crmDuration *prometheus.HistogramVec
	crmReplayed *prometheus.CounterVec
	sdkErrors   prometheus.Counter
	held        *held

	sdk       client.MetricsHandler
	sdkCloser io.Closer
}

// New returns Metrics with a fresh registry holding the Go runtime and
// process collectors, our kylin_ metrics and the SDK bridge. The SDK's
// metrics reach the registry once per SDKFlushInterval.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		crmCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kylin_crm_calls_total",
			Help: "CRM calls by operation, outcome (ok, rejected, transient, invalid) and HTTP status (none when no answer arrived).",
		}, []string{"op", "outcome", "status"}),
		crmDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kylin_crm_call_duration_seconds",
			Help:    "Latency of CRM calls that reached the network, by operation.",
			Buckets: prometheus.DefBuckets,
		}, []string{"op"}),
		crmReplayed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kylin_crm_replayed_total",
			Help: "CRM answers served from its idempotency record (a repeated business token), by operation.",
		}, []string{"op"}),
		sdkErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kylin_sdk_metric_errors_total",
			Help: "Temporal SDK metrics that could not be registered (a name reused with other labels).",
		}),
		held: newHeld(),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.crmCalls, m.crmDuration, m.crmReplayed, m.sdkErrors, m.held,
	)
	sdk, closer := newSDKHandler(reg, m.sdkErrors)
	// The worker serves the Nexus service "points" only: any other service
	// or operation a request names is labelled "other".
	m.sdk, m.sdkCloser = boundNexusLabels(sdk, pointsnexus.NewService()), closer
	return m
}

// Registry is the registry /metrics serves; register more collectors here.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Close stops the SDK bridge's reporting loop after a last report.
func (m *Metrics) Close() error { return m.sdkCloser.Close() }

// ObserveCRMCall records one CRM call. outcome is one of the Outcome
// constants; status is the HTTP status, 0 when no answer arrived. The
// duration is recorded only for calls that went out (not invalid ones), and
// replayed counts an answer from the CRM's idempotency record.
func (m *Metrics) ObserveCRMCall(op, outcome string, status int, d time.Duration, replayed bool) {
	m.crmCalls.WithLabelValues(op, outcome, statusLabel(status)).Inc()
	if outcome != outcomeInvalid {
		m.crmDuration.WithLabelValues(op).Observe(d.Seconds())
	}
	if replayed {
		m.crmReplayed.WithLabelValues(op).Inc()
	}
}

func statusLabel(status int) string {
	if status == 0 {
		return "none"
	}
	return strconv.Itoa(status)
}
