package workerapp

import (
	"context"
	"net"
	"sync/atomic"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/metrics"
)

// Observability is what the worker shows of itself: Prometheus metrics with
// /healthz and /readyz when cfg.MetricsAddr is set, and the payload codec
// when a key file is. Make it with Observe before dialling Temporal, give
// Options to ClientOptions and RunWithOptions, run Serve, and Close it when
// the process ends.
type Observability struct {
	// Metrics is the registry and its recorders; nil when metrics are off.
	Metrics *metrics.Metrics

	payload config.Payload
	ln      net.Listener
	polling atomic.Bool
}

// Observe prepares the observability cfg asks for. With metrics on it
// listens on cfg.MetricsAddr at once, so that a taken port fails startup
// with one clear line before anything else happens.
func Observe(cfg config.Config) (*Observability, error) {
	o := &Observability{payload: cfg.Payload}
	if cfg.MetricsAddr == "" {
		return o, nil
	}
	ln, err := metrics.Listen(cfg.MetricsAddr)
	if err != nil {
		return nil, err
	}
	o.ln, o.Metrics = ln, metrics.New()
	return o, nil
}

// Options are the worker hooks: the SDK's metrics, every CRM call observed,
// readiness tracking and the payload codec, each only when configured.
func (o *Observability) Options() Options {
	return Hooks(o.Metrics, o.payload, o.polling.Store)
}

// Hooks are the worker hooks of metrics m (nil: off) and payload, with
// onPolling told when the worker starts and stops polling: what the worker
// binary and the dev stack both run with.
func Hooks(m *metrics.Metrics, payload config.Payload, onPolling func(bool)) Options {
	opts := Options{
		DataConverter:    payload.WorkerDataConverter(),
		FailureConverter: payload.WorkerFailureConverter(),
		OnPolling:        onPolling,
	}
	if m != nil {
		opts.MetricsHandler = m.SDKHandler()
		opts.OnHeld = m.PublishHeld
		opts.WrapCRM = func(next activities.CRM) activities.CRM {
			return metrics.InstrumentedCRM{Next: next, Metrics: m}
		}
	}
	return opts
}

// Addr is the address /metrics is served on (the chosen port when the
// configured one was 0), or "" when metrics are off.
func (o *Observability) Addr() string {
	if o.ln == nil {
		return ""
	}
	return o.ln.Addr().String()
}

// Polling reports whether the worker is polling its task queue.
func (o *Observability) Polling() bool { return o.polling.Load() }

// Serve serves /metrics, /healthz and /readyz until ctx ends; /readyz is
// 200 while the worker polls and c answers a health check. It returns nil
// at once when metrics are off.
func (o *Observability) Serve(ctx context.Context, c metrics.HealthChecker) error {
	if o.ln == nil {
		return nil
	}
	return metrics.ServeListener(ctx, o.ln, o.Metrics.Handler(metrics.TemporalReady(c, o.polling.Load)))
}

// Close releases the listener (if Serve never ran) and flushes the SDK's
// metrics one last time.
func (o *Observability) Close() error {
	if o.ln == nil {
		return nil
	}
	_ = o.ln.Close()
	return o.Metrics.Close()
}
