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
	// refused it after an earlier attempt's answer was lost, and it was
	// undone; nothing stays frozen.
	ErrFreezeAbandoned = "FreezeAbandoned"
	// ErrReleaseFailed: a release could not be carried out; the points stay
	// frozen (or may: the message says which) under the freeze token named in
	// the message and the details, until a person settles them.
	ErrReleaseFailed = "ReleaseFailed"
	// ErrNotFrozen: a confirm or cancel Update arrived when the redemption
	// was no longer, or not yet, FROZEN, and it was not the winning decision.
	ErrNotFrozen = "NotFrozen"
)

// maxErrorChars bounds the error text a status carries.
const maxErrorChars = 600

// isDefinite reports whether an activity error proves that nothing was
// applied: invalid input (no call made), or a CRM refusal that is proof
// (activities.ErrCRMRejected).
func isDefinite(err error) bool {
	t := errorType(err)
	return t == activities.ErrInvalidInput || t == activities.ErrCRMRejected
}

// errorType is the type of the first ApplicationError in err's chain.
func errorType(err error) string {
	if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok {
		return appErr.Type()
	}
	return ""
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

// errorText is the message a person needs: the first ApplicationError's own
// message (the CRM's answer) rather than the whole chain of wrappers, on one
// bounded line.
func errorText(err error) string {
	return safetext.Line(rawErrorText(err), maxErrorChars)
}

func rawErrorText(err error) string {
	if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok {
		return appErr.Message()
	}
	if te, ok := errors.AsType[*temporal.TimeoutError](err); ok {
		return te.Error()
	}
	if temporal.IsCanceledError(err) {
		return "cancelled"
	}
	return err.Error()
}

// invalidInput is the error of a workflow input refused before any CRM call.
func invalidInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), activities.ErrInvalidInput, nil)
}
