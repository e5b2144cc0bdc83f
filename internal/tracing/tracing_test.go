package tracing

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/temporal"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnvOff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{name: "nothing set", env: map[string]string{}},
		{name: "only a protocol", env: map[string]string{envProtocol: "grpc"}},
		{name: "SDK disabled", env: map[string]string{envEndpoint: "http://127.0.0.1:4318", envSDKDisabled: "TRUE"}},
		{name: "traces exporter none", env: map[string]string{envEndpoint: "http://127.0.0.1:4318", envTracesExporter: "none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr, err := FromEnv(context.Background(), envOf(tc.env), "kylin-points-test")
			require.NoError(t, err)
			require.Nil(t, tr)
			require.False(t, tr.Enabled())
			require.Nil(t, tr.ClientInterceptors(), "off: no interceptor at all")
			rt := http.DefaultTransport
			require.Same(t, rt.(*http.Transport), tr.Transport(rt).(*http.Transport), "off: the transport is not wrapped")
			require.NoError(t, tr.Close())
		})
	}
}

func TestFromEnvRefusesWhatItCannotUse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, problem string
		env           map[string]string
	}{
		{name: "unknown protocol", env: map[string]string{envEndpoint: "http://127.0.0.1:4318", envProtocol: "http/json"},
			problem: `"http/json" is not supported`},
		{name: "traces protocol wins", env: map[string]string{envEndpoint: "http://127.0.0.1:4318", envProtocol: "grpc", envTracesProtocol: "thrift"},
			problem: `"thrift" is not supported`},
		{name: "http endpoint without a scheme", env: map[string]string{envEndpoint: "127.0.0.1:4318"},
			problem: envEndpoint + `: "127.0.0.1:4318" is not a URL`},
		{name: "traces endpoint without a scheme", env: map[string]string{envTracesEndpoint: "collector:4318"},
			problem: envTracesEndpoint + `: "collector:4318" is not a URL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr, err := FromEnv(context.Background(), envOf(tc.env), "kylin-points-test")
			require.ErrorContains(t, err, tc.problem)
			require.Nil(t, tr)
		})
	}
}

// TestFromEnvExports sends one traced HTTP request through Transport and
// finds its span at a stand-in collector, over each protocol, and the
// traceparent it sent at the server.
func TestFromEnvExports(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  func(t *testing.T, r *receiver) map[string]string
		path string
	}{
		{name: "http/protobuf by default", path: "/v1/traces", env: func(t *testing.T, r *receiver) map[string]string {
			return map[string]string{envEndpoint: startHTTPReceiver(t, r)}
		}},
		{name: "traces endpoint is used as it is", path: "/custom/traces", env: func(t *testing.T, r *receiver) map[string]string {
			return map[string]string{envTracesEndpoint: startHTTPReceiver(t, r) + "/custom/traces", envEndpoint: "http://127.0.0.1:1"}
		}},
		{name: "grpc", path: "grpc", env: func(t *testing.T, r *receiver) map[string]string {
			return map[string]string{envEndpoint: "http://" + startGRPCReceiver(t, r), envProtocol: "grpc"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &receiver{}
			tr, err := FromEnv(context.Background(), envOf(tc.env(t, r)), "kylin-points-test")
			require.NoError(t, err)
			require.True(t, tr.Enabled())
			require.Len(t, tr.ClientInterceptors(), 1)

			var traceparent string
			backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				traceparent = req.Header.Get("traceparent")
			}))
			defer backend.Close()
			parent, span := tr.provider.Tracer("test").Start(context.Background(), "RunActivity:Freeze")
			req, err := http.NewRequestWithContext(parent, http.MethodPost, backend.URL+"/openapi/v2/member/freezePoint", nil)
			require.NoError(t, err)
			resp, err := (&http.Client{Transport: tr.Transport(http.DefaultTransport)}).Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			span.End()
			require.NoError(t, tr.Close())

			require.Equal(t, map[string]string{
				"RunActivity:Freeze":                  "kylin-points-test",
				"POST /openapi/v2/member/freezePoint": "kylin-points-test",
			}, r.spans())
			require.Equal(t, []string{tc.path}, r.paths, "one batch, where the settings say")
			sent := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(),
				propagation.MapCarrier{"traceparent": traceparent}))
			require.True(t, sent.IsValid(), "traceparent %q", traceparent)
			require.Equal(t, span.SpanContext().TraceID(), sent.TraceID(), "the request carries the activity's trace")
			require.NotEqual(t, span.SpanContext().SpanID(), sent.SpanID(), "its parent is the request's own span")
		})
	}
}

func TestErrorsAreRecordedByKindOnly(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test")
	secret := "member m-secret-42 has only 1 point"
	for _, tc := range []struct {
		name, kind string
		err        error
	}{
		{name: "application error", kind: "CRMRejected", err: temporal.NewNonRetryableApplicationError(secret, "CRMRejected", nil)},
		{name: "wrapped", kind: "NotFrozen", err: errors.Join(errors.New(secret), temporal.NewApplicationError(secret, "NotFrozen"))},
		{name: "canceled", kind: "Canceled", err: temporal.NewCanceledError(secret)},
		{name: "plain", kind: "*errors.errorString", err: errors.New(secret)},
	} {
		span := startRedacted(context.Background(), tracer, tc.name)
		span.RecordError(tc.err)
		span.SetStatus(codes.Error, tc.err.Error())
		span.End()
		ended := rec.Ended()
		got := ended[len(ended)-1]
		require.Equal(t, tc.name, got.Name())
		require.Equal(t, codes.Error, got.Status().Code, tc.name)
		require.Equal(t, tc.kind, got.Status().Description, tc.name)
		require.Len(t, got.Events(), 1, tc.name)
		require.Equal(t, "exception", got.Events()[0].Name)
		for _, a := range got.Events()[0].Attributes {
			require.NotContains(t, a.Value.Emit(), "m-secret-42", tc.name)
		}
	}
}
