// Package tracing is OpenTelemetry tracing of kylin-points: the Temporal
// SDK's tracing interceptor on a client (starter → workflow → activity, with
// the span context carried in Temporal headers) and a client span with a W3C
// traceparent on every CRM HTTP request. It is off unless an OTLP endpoint
// is configured (FromEnv); off, it adds nothing to a process: no
// interceptor, no transport wrapper.
//
// Spans carry no member ID and no secret: the SDK's spans are tagged with
// workflow, run and activity IDs only, the CRM request's span with its
// method, URL path and status, and an error is recorded by its type (e.g.
// CRMRejected), never its message, which may name the member.
package tracing

import (
	"context"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// tracerName names the tracer of kylin-points' own spans.
const tracerName = "github.com/kylinpoints/kylin-points"

// Tracing traces one process. A nil *Tracing is tracing off: every method
// is safe to call and changes nothing.
type Tracing struct {
	provider    trace.TracerProvider
	interceptor interceptor.Interceptor
	shutdown    func(context.Context) error
}

// New traces through provider (tests give one with an in-memory recorder).
func New(provider trace.TracerProvider) (*Tracing, error) {
	i, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer:      provider.Tracer(tracerName),
		SpanStarter: startRedacted,
	})
	if err != nil {
		return nil, err
	}
	return &Tracing{provider: provider, interceptor: i, shutdown: func(context.Context) error { return nil }}, nil
}

// ClientInterceptors are for client.Options.Interceptors: they trace the
// client's calls and, on a worker made from that client, the workflows and
// activities it runs. Nil when off.
func (t *Tracing) ClientInterceptors() []interceptor.ClientInterceptor {
	if t == nil {
		return nil
	}
	return []interceptor.ClientInterceptor{t.interceptor}
}

// Transport wraps next so that every request gets a client span, child of
// the span in its context (the activity's), and a W3C traceparent header
// naming it. Off, it returns next itself.
func (t *Tracing) Transport(next http.RoundTripper) http.RoundTripper {
	if t == nil {
		return next
	}
	return otelhttp.NewTransport(next,
		otelhttp.WithTracerProvider(t.provider),
		// Only the trace context leaves the process: no baggage to the CRM.
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			return r.Method + " " + r.URL.Path
		}),
	)
}

// Close is Shutdown bounded by shutdownTimeout, for the end of a process.
func (t *Tracing) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return t.Shutdown(ctx)
}

// Enabled reports whether spans are recorded.
func (t *Tracing) Enabled() bool { return t != nil }

// Shutdown exports the spans still buffered and stops exporting.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.shutdown(ctx)
}
