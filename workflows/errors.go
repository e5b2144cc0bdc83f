package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/activities"
)

// Types of the ApplicationErrors the workflows return.
const (
	// ErrFreezeAbandoned: the freeze did not settle in time and was undone;
	// nothing stays frozen.
	ErrFreezeAbandoned = "FreezeAbandoned"
	// ErrReleaseFailed: the CRM refused a release for good; the points stay
	// frozen under the freeze token named in the message and the details.
	ErrReleaseFailed = "ReleaseFailed"
	// ErrNotFrozen: a confirm or cancel Update arrived when the redemption
	// was no longer, or not yet, FROZEN, and it was not the winning decision.
	ErrNotFrozen = "NotFrozen"
)

// isFinal reports whether an activity error is a definite refusal: invalid
// input or a CRM rejection, which no retry can change.
func isFinal(err error) bool {
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

// errorText is the message a person needs: the first ApplicationError's own
// message (the CRM's answer) rather than the whole chain of wrappers.
func errorText(err error) string {
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
