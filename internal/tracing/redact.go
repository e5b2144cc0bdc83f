package tracing

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/temporal"
)

// startRedacted starts the SDK's spans so that a failure is recorded by its
// kind only: a workflow's or activity's error message may hold a member ID
// (the CRM's refusal names the member), and spans leave the process.
func startRedacted(ctx context.Context, t trace.Tracer, name string, opts ...trace.SpanStartOption) trace.Span {
	_, span := t.Start(ctx, name, opts...)
	return &redactedSpan{Span: span}
}

// redactedSpan records errors as their kind. The SDK's interceptor calls
// RecordError, then SetStatus with the error's text; both see the kind.
type redactedSpan struct {
	trace.Span
	kind string
}

// RecordError records an "exception" event naming the error's kind.
func (s *redactedSpan) RecordError(err error, _ ...trace.EventOption) {
	if err == nil {
		return
	}
	s.kind = errorKind(err)
	s.Span.AddEvent("exception", trace.WithAttributes(attribute.String("exception.type", s.kind)))
}

// SetStatus keeps the code and replaces the description by the error's kind.
func (s *redactedSpan) SetStatus(code codes.Code, description string) {
	if code == codes.Error && description != "" {
		description = s.kind
		if description == "" {
			description = "error"
		}
	}
	s.Span.SetStatus(code, description)
}

// errorKind names what failed without saying anything of the data: the type
// of a Temporal ApplicationError (CRMRejected, NotFrozen, …), Timeout,
// Canceled, or the Go type of any other error.
func errorKind(err error) string {
	if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok && appErr.Type() != "" {
		return appErr.Type()
	}
	if _, ok := errors.AsType[*temporal.TimeoutError](err); ok {
		return "Timeout"
	}
	if temporal.IsCanceledError(err) {
		return "Canceled"
	}
	return fmt.Sprintf("%T", err)
}
