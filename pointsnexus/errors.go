package pointsnexus

import (
	"errors"
	"fmt"

	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/workflows"
)

// Types of the ApplicationErrors an operation fails with, besides those of
// the workflows (workflows.ErrNotFrozen, activities.ErrCRMRejected, …).
const (
	// ErrAlreadyStarted: a workflow with the key's ID exists, started by
	// another request. A key is never reused (docs/design.md, The idempotency token).
	ErrAlreadyStarted = "AlreadyStarted"
	// ErrNothingFrozen: a release or consume named a freeze that failed, so
	// there is nothing to settle.
	ErrNothingFrozen = "NothingFrozen"
)

// ErrorType is the type of the ApplicationError that says why an operation
// failed, looking through the SDK's own "OperationError" wrapper: e.g.
// ErrAlreadyStarted, workflows.ErrNotFrozen, activities.ErrCRMRejected. It
// is "" when there is none (a timeout, a cancellation, a handler error).
// It is workflows.ErrorType, here for the callers of the service.
func ErrorType(err error) string { return workflows.ErrorType(err) }

// failed is a final failure of an operation: the caller's operation fails
// with an ApplicationError of type typ, not retried.
func failed(typ, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &nexus.OperationError{
		State:   nexus.OperationStateFailed,
		Message: msg,
		Cause:   temporal.NewNonRetryableApplicationError(msg, typ, nil),
	}
}

// badRequest refuses input that no retry can make valid.
func badRequest(err error) error {
	return &nexus.HandlerError{Type: nexus.HandlerErrorTypeBadRequest, Message: err.Error()}
}

// retryLater asks the caller's server to send the request again, with its
// backoff, until the operation's schedule-to-close timeout.
func retryLater(format string, args ...any) error {
	return &nexus.HandlerError{
		Type:          nexus.HandlerErrorTypeUnavailable,
		Message:       fmt.Sprintf(format, args...),
		RetryBehavior: nexus.HandlerErrorRetryBehaviorRetryable,
	}
}

// startError explains a refused workflow start; other errors pass through
// for the SDK to classify.
func startError(id string, err error) error {
	var exists *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &exists) {
		return failed(ErrAlreadyStarted, "workflow %s already exists, started by another request (a key is never reused)", id)
	}
	return err
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// redemptionNotFound answers a request about a redemption the caller's
// namespace did not start with the key. It is the same answer whether the
// key was never used, used by another namespace, or a starter's run has a
// like-named ID ("redeem-<key>"): it says nothing of runs that are not the
// caller's.
func redemptionNotFound() error {
	return &nexus.HandlerError{Type: nexus.HandlerErrorTypeNotFound,
		Message: "no redemption with this key was started through Nexus by the caller's namespace"}
}

// freezeNotFound is redemptionNotFound for the freeze a release or consume
// names.
func freezeNotFound() error {
	return &nexus.HandlerError{Type: nexus.HandlerErrorTypeNotFound,
		Message: "no freeze with this key was started through Nexus by the caller's namespace"}
}
