package tracing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The standard OpenTelemetry variables FromEnv reads itself. The exporter
// reads the rest of the OTEL_EXPORTER_OTLP_* family (headers, certificates,
// timeout, compression) from the process environment, as the OTel SDK
// documents them; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES name the
// process.
const (
	envEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envProtocol       = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envSDKDisabled    = "OTEL_SDK_DISABLED"
	envTracesExporter = "OTEL_TRACES_EXPORTER"
)

// FromEnv turns tracing on when getenv gives an OTLP endpoint
// (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT),
// exporting in batches over OTLP: http/protobuf (the OTel default) or grpc,
// after OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL.
// Without an endpoint, or with OTEL_SDK_DISABLED=true or
// OTEL_TRACES_EXPORTER=none, it returns nil: tracing off. service is the
// default service.name, e.g. "kylin-points-worker".
func FromEnv(ctx context.Context, getenv func(string) string, service string) (*Tracing, error) {
	endpoint, generic := getenv(envTracesEndpoint), false
	if endpoint == "" {
		endpoint, generic = getenv(envEndpoint), true
	}
	if endpoint == "" || strings.EqualFold(getenv(envSDKDisabled), "true") || getenv(envTracesExporter) == "none" {
		return nil, nil
	}
	exporter, err := newExporter(ctx, protocol(getenv), endpoint, generic)
	if err != nil {
		return nil, err
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", service)),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
		resource.WithTelemetrySDK(),
	)
	if err != nil {
		return nil, fmt.Errorf("tracing resource: %w", err)
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	t, err := New(provider)
	if err != nil {
		return nil, err
	}
	t.shutdown = provider.Shutdown
	return t, nil
}

func protocol(getenv func(string) string) string {
	if p := getenv(envTracesProtocol); p != "" {
		return p
	}
	if p := getenv(envProtocol); p != "" {
		return p
	}
	return "http/protobuf"
}

// newExporter is the OTLP exporter of protocol sending to endpoint, a URL
// (http://collector:4318, or for grpc also host:port). The generic endpoint
// is a base to which OTLP/HTTP adds /v1/traces, as the specification says.
func newExporter(ctx context.Context, protocol, endpoint string, generic bool) (*otlptrace.Exporter, error) {
	switch protocol {
	case "http/protobuf":
		url := endpoint
		if generic {
			url = strings.TrimRight(endpoint, "/") + "/v1/traces"
		}
		if !strings.Contains(url, "://") {
			return nil, fmt.Errorf("%s: %q is not a URL such as http://localhost:4318", endpointVar(generic), endpoint)
		}
		return otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(url))
	case "grpc":
		if strings.Contains(endpoint, "://") {
			return otlptracegrpc.New(ctx, otlptracegrpc.WithEndpointURL(endpoint))
		}
		return otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(endpoint))
	default:
		return nil, fmt.Errorf("%s: %q is not supported; use http/protobuf or grpc", envProtocol, protocol)
	}
}

func endpointVar(generic bool) string {
	if generic {
		return envEndpoint
	}
	return envTracesEndpoint
}

// shutdownTimeout bounds the last export when a process stops.
const shutdownTimeout = 5 * time.Second
