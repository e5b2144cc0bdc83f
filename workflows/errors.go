package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/internal/safetext"
)

// Types of the ApplicationErrors the workflows return.
const (
	// ErrFreezeAbandoned: the freeze did not settle in time, or the CRM
	// refused it, and it was undone; nothing stays frozen.
	ErrFreezeAbandoned = "FreezeAbandoned"
	// ErrReleaseFailed: a release could not be carried out, or found no
	// freeze that had been made; the points may stay frozen under the freeze
	// token named in the message and the details (StrandedFreeze), until a
	// person settles them.
	ErrReleaseFailed = "ReleaseFailed"
	// ErrContinueAsNewSuggested: a settle step has been retried for so long
	// (the CRM down or refusing our credentials for days) that the workflow
	// continues as new to keep trying under the same tokens. The workflows of
	// this package do so themselves; a caller's workflow that gets it from
	// FreezePoints, ReleasePoints or ConsumePoints continues as new and calls
	// the same function again (FreezePoints with Undo set).
	ErrContinueAsNewSuggested = "ContinueAsNewSuggested"
	// ErrNotFrozen: a confirm or cancel Update arrived when the redemption
	// was no longer, or not yet, FROZEN, and it was not the winning decision.
	ErrNotFrozen = "NotFrozen"
	// ErrNotInAttention: a retry or resolve Update arrived when the
	// redemption was not waiting for a person (not in ATTENTION, or another
	// Update is already acting on it). Its details are the status.
	ErrNotInAttention = "NotInAttention"
	// ErrResolved: FreezePointsWorkflow waited in ATTENTION and a person
	// resolved it (Update resolve): the freeze holds nothing for the caller,
	// and the workflow knows no more than what the person said. Its details
	// are the status, with Resolution.
	ErrResolved = "Resolved"
)

// maxErrorChars bounds the error text a status carries.
const maxErrorChars = 600

// ErrorType is the type of the ApplicationError in err's chain that says why
// something failed: ErrReleaseFailed, ErrNotFrozen, activities.ErrCRMRejected,
// … It looks through the SDK's own wrapper of a failed Nexus operation
// ("OperationError") to the cause under it. It is "" when there is none: a
// timeout, a cancellation, an error not from Temporal.
func ErrorType(err error) string {
	if appErr := cause(err); appErr != nil {
		return appErr.Type()
	}
	return ""
}

// Reason is the part of err a person needs: the message of the
// ApplicationError ErrorType reads (the CRM's answer, the workflow's
// refusal) rather than the chain of wrappers around it; else a timeout's own
// text, "cancelled", or err's text. It is not bounded: print it with
// safetext.Line.
func Reason(err error) string {
	if appErr := cause(err); appErr != nil {
		return appErr.Message()
	}
	if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok {
		return appErr.Message() // the Nexus wrapper, with no cause under it
	}
	if te, ok := errors.AsType[*temporal.TimeoutError](err); ok {
		return te.Error()
	}
	if temporal.IsCanceledError(err) {
		return "cancelled"
	}
	return err.Error()
}

// operationErrorType is the ApplicationError type the SDK gives the failure
// of a sync Nexus operation; the cause under it says why.
const operationErrorType = "OperationError"

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

// rejection is the CRM's refusal an activity error carries, if any.
func rejection(err error) (activities.RejectionDetails, bool) {
	appErr, ok := errors.AsType[*temporal.ApplicationError](err)
	if !ok || !appErr.HasDetails() {
		return activities.RejectionDetails{}, false
	}
	var d activities.RejectionDetails
	if appErr.Details(&d) != nil {
		return activities.RejectionDetails{}, false
	}
	return d, true
}

// errorText is Reason on one bounded line, for a status.
func errorText(err error) string {
	return safetext.Line(Reason(err), maxErrorChars)
}

// invalidInput is the error of a workflow input refused before any CRM call.
func invalidInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), activities.ErrInvalidInput, nil)
}
