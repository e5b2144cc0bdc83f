// Package tracing tests OpenTelemetry tracing end to end: the starter's
// commands, the redemption workflow, its activities and the CRM HTTP
// requests in one trace, on a real in-process Temporal server, with spans
// kept in memory.
package tracing

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/startercli"
	"github.com/kylinpoints/kylin-points/internal/tracing"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// seen records the trace context of each CRM request the sandbox receives.
type seen struct {
	mu       sync.Mutex
	byPath   map[string][]trace.SpanContext
	requests int
}

func (s *seen) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/sandbox/") {
			sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(r.Context(), propagation.HeaderCarrier(r.Header)))
			s.mu.Lock()
			s.byPath[r.URL.Path] = append(s.byPath[r.URL.Path], sc)
			s.requests++
			s.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// TestOneTracePerRedemption redeems and confirms with the starter's own
// commands and reads the spans: one trace from the start to the consume's
// HTTP request, parent by parent, with the traceparent the sandbox saw; and
// nothing of the member or the secret in any span.
func TestOneTracePerRedemption(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rec := tracetest.NewSpanRecorder()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tr, err := tracing.New(provider)
	require.NoError(t, err)

	tp := testenv.StartTemporal(t)
	traced := &testenv.Temporal{Server: tp.Server, Client: tp.Server.NewClientWithOptions(client.Options{Interceptors: tr.ClientInterceptors()})}
	crmSeen := &seen{byPath: map[string][]trace.SpanContext{}}
	sb := testenv.StartSandboxWith(t, sandbox.Config{}, crmSeen.wrap)
	queue := testenv.UniqueName("tracing")
	testenv.RunWorker(t, traced, testenv.WorkerConfig(sb.URL, queue), workerapp.Options{WrapTransport: tr.Transport})
	starter := &startercli.App{Client: traced.Client, Namespace: tp.Namespace(), TaskQueue: queue, Stdout: io.Discard, Stderr: io.Discard}

	member := testenv.Grant(ctx, t, sb.Server, 100)
	id := testenv.UniqueName("redeem")
	require.Equal(t, 0, starter.Run(ctx, []string{"redeem", "--member", member, "--points", "7", "--description", "order 1001", "--id", id}))
	require.Equal(t, 0, starter.Run(ctx, []string{"confirm", "--id", id}))
	testenv.RequireSettled(ctx, t, sb.Server, id, member, 100, 7, workflows.StateConsumed)
	// A refused one too: its failure is recorded in the spans.
	poor := testenv.Grant(ctx, t, sb.Server, 1)
	refused := testenv.UniqueName("redeem")
	require.Equal(t, 1, starter.Run(ctx, []string{"redeem", "--member", poor, "--points", "50", "--description", "too much", "--id", refused}))
	require.NoError(t, provider.ForceFlush(ctx))
	spans := rec.Ended()

	root := rootOf(t, spans, id)
	require.False(t, root.Parent().IsValid(), "the starter's start is the root")
	trc := root.SpanContext().TraceID()
	inTrace := func(name string) sdktrace.ReadOnlySpan {
		return only(t, spans, func(s sdktrace.ReadOnlySpan) bool { return s.SpanContext().TraceID() == trc && s.Name() == name })
	}
	run := inTrace("RunWorkflow:" + workflows.RedemptionWorkflowName)
	requireChild(t, root, run)
	var last sdktrace.ReadOnlySpan
	for _, step := range []struct{ activity, path string }{
		{activities.FreezeName, crm.DefaultFreezePath},
		{activities.ConsumeName, crm.DefaultConsumePath},
	} {
		start := inTrace("StartActivity:" + step.activity)
		act := inTrace("RunActivity:" + step.activity)
		post := inTrace("POST " + step.path)
		requireChild(t, run, start)
		requireChild(t, start, act)
		requireChild(t, act, post)
		require.Equal(t, trace.SpanKindClient, post.SpanKind())
		require.Equal(t, int64(200), attrInt(post, "http.response.status_code"))
		if last != nil {
			require.False(t, start.StartTime().Before(last.EndTime()), "%s starts after the freeze's request ended", start.Name())
		}
		last = post
		// The sandbox saw the request's own span as its parent.
		require.Equal(t, []trace.SpanContext{post.SpanContext()}, sansFlags(crmSeen.forPath(step.path, trc)), "traceparent of %s", step.path)
	}
	// Every activity of this redemption ran in its trace.
	for _, s := range spans {
		if strings.HasPrefix(s.Name(), "RunActivity:") && attr(s, "temporalWorkflowID") == id {
			require.Equal(t, trc, s.SpanContext().TraceID(), "%s", s.Name())
		}
	}
	// The refused redemption is a trace of its own, failed freeze included.
	refusedRoot := rootOf(t, spans, refused)
	require.NotEqual(t, trc, refusedRoot.SpanContext().TraceID())
	failedFreeze := only(t, spans, func(s sdktrace.ReadOnlySpan) bool {
		return s.SpanContext().TraceID() == refusedRoot.SpanContext().TraceID() && s.Name() == "RunActivity:Freeze"
	})
	require.Equal(t, activities.ErrCRMRefused, failedFreeze.Status().Description, "a failure is recorded by its type")

	requireNothingPersonal(t, spans, member, poor, sandbox.DemoSecret)
}

// requireNothingPersonal checks every attribute of every span, its events
// and its status for the member IDs and the CRM secret.
func requireNothingPersonal(t *testing.T, spans []sdktrace.ReadOnlySpan, secrets ...string) {
	t.Helper()
	require.NotEmpty(t, spans)
	for _, s := range spans {
		texts := []string{s.Name(), s.Status().Description}
		for _, a := range s.Attributes() {
			texts = append(texts, string(a.Key)+"="+a.Value.Emit())
		}
		for _, e := range s.Events() {
			texts = append(texts, e.Name)
			for _, a := range e.Attributes {
				texts = append(texts, string(a.Key)+"="+a.Value.Emit())
			}
		}
		for _, text := range texts {
			for _, secret := range secrets {
				require.NotContains(t, text, secret, "span %s", s.Name())
			}
		}
	}
}

func (s *seen) forPath(path string, trc trace.TraceID) []trace.SpanContext {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []trace.SpanContext
	for _, sc := range s.byPath[path] {
		if sc.TraceID() == trc {
			out = append(out, sc)
		}
	}
	return out
}

// sansFlags drops what a remote span context adds (the remote mark), so
// that it compares with the local span's.
func sansFlags(scs []trace.SpanContext) []trace.SpanContext {
	out := make([]trace.SpanContext, len(scs))
	for i, sc := range scs {
		out[i] = sc.WithRemote(false)
	}
	return out
}

func requireChild(t *testing.T, parent, child sdktrace.ReadOnlySpan) {
	t.Helper()
	require.Equal(t, parent.SpanContext().SpanID(), child.Parent().SpanID(), "%s is a child of %s", child.Name(), parent.Name())
	require.False(t, child.StartTime().Before(parent.StartTime()), "%s starts after %s", child.Name(), parent.Name())
}

// rootOf is the starter's span that started redemption id: the parent of
// its RunWorkflow, the Update-with-Start of awaitFreeze (redeem's one call).
func rootOf(t *testing.T, spans []sdktrace.ReadOnlySpan, id string) sdktrace.ReadOnlySpan {
	t.Helper()
	run := only(t, spans, func(s sdktrace.ReadOnlySpan) bool {
		return s.Name() == "RunWorkflow:"+workflows.RedemptionWorkflowName && attr(s, "temporalWorkflowID") == id
	})
	return only(t, spans, func(s sdktrace.ReadOnlySpan) bool {
		return s.Name() == "UpdateWithStartWorkflow:"+workflows.UpdateAwaitFreeze && s.SpanContext().SpanID() == run.Parent().SpanID()
	})
}

func only(t *testing.T, spans []sdktrace.ReadOnlySpan, match func(sdktrace.ReadOnlySpan) bool) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if match(s) {
			found = append(found, s)
		}
	}
	require.Len(t, found, 1, "spans: %s", names(spans))
	return found[0]
}

func names(spans []sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "\n  %s trace=%s span=%s parent=%s", s.Name(), s.SpanContext().TraceID(), s.SpanContext().SpanID(), s.Parent().SpanID())
	}
	return b.String()
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func attrInt(s sdktrace.ReadOnlySpan, key string) int64 {
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			return a.Value.AsInt64()
		}
	}
	return -1
}
