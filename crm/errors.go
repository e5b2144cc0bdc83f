package crm

import (
	"fmt"
	"net/http"
	"time"
)

// Class says what a caller should do with a failed CRM call (docs/design.md,
// Error classes; docs/exactly-once.md's table says what follows each CRM answer).
type Class string

const (
	// ClassInvalid: the input failed validation; no call was made. Do not retry.
	ClassInvalid Class = "invalid"
	// ClassRejected: the CRM refused the request for good. Do not retry.
	ClassRejected Class = "rejected"
	// ClassTransient: the outcome is unknown or temporary. Retry with the same token.
	ClassTransient Class = "transient"
)

// Error is every error the client returns. Inspect it with errors.As.
type Error struct {
	Class Class
	// Op is the operation: freeze, release or consume.
	Op string
	// Status is the HTTP status, 0 when no answer arrived.
	Status int
	// Code and Message are the CRM's, when its body carried them.
	Code    string
	Message string
	// RetryAfter is the delay a 429 or 503 asked for, 0 when none.
	RetryAfter time.Duration
	// Err is the underlying cause, when there is one.
	Err error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("crm %s: %s", e.Op, e.Class)
	if e.Status != 0 {
		msg += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether repeating the call with the same token may succeed.
func (e *Error) Retryable() bool { return e.Class == ClassTransient }

// ClassifyStatus maps a non-2xx HTTP status to its class (docs/exactly-once.md's table,
// "What happens on each CRM answer").
// 408, 429 and 5xx are transient. Every other status is rejected: other 4xx
// by the table, and 1xx/3xx because the client follows no redirects, so the
// endpoint never saw the request and repeating it cannot help (a redirect
// means a misconfigured base URL, for a person to fix).
func ClassifyStatus(status int) Class {
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		return ClassTransient
	default:
		return ClassRejected
	}
}
