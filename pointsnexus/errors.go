package pointsnexus

import (
	"errors"
	"fmt"

	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
)

// Types of the ApplicationErrors an operation fails with, besides those of
// the workflows (workflows.ErrNotFrozen, activities.ErrCRMRejected, …).
const (
	// ErrAlreadyStarted: a workflow with the key's ID exists, started by
	// another request. A key is never reused (DESIGN.md).
	ErrAlreadyStarted = "AlreadyStarted"
	// ErrNothingFrozen: a release or consume named a freeze that failed, so
	// there is nothing to settle.
	ErrNothingFrozen = "NothingFrozen"
)

// operationErrorType is the ApplicationError type the SDK gives the failure
// of a sync operation; the cause under it says why.
const operationErrorType = "OperationError"

// ErrorType is the type of the first ApplicationError in err's chain that
// says why an operation failed, skipping the SDK's own "OperationError"
// wrapper: e.g. ErrAlreadyStarted, workflows.ErrNotFrozen,
// activities.ErrCRMRejected. It is "" when there is none (a timeout, a
// cancellation, a handler error).
func ErrorType(err error) string {
	if appErr := cause(err); appErr != nil {
		return appErr.Type()
	}
	return ""
}

// reason is the message of the ApplicationError ErrorType reads, or err's
// own text when there is none.
func reason(err error) string {
	if appErr := cause(err); appErr != nil {
		return appErr.Message()
	}
	return err.Error()
}

// cause is the first ApplicationError in err's chain that is not the SDK's
// OperationError wrapper, or nil.
func cause(err error) *temporal.ApplicationError {
	for err != nil {
		appErr, ok := errors.AsType[*temporal.ApplicationError](err)
		if !ok {
			return nil
		}
		if appErr.Type() != operationErrorType {
			return appErr
		}
		err = appErr.Unwrap()
	}
	return nil
}

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
