package startercli

import (
	"errors"

	"go.temporal.io/api/serviceerror"
)

// isNotFound reports whether Temporal said the workflow (or its open run) does not exist.
func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// isAlreadyStarted reports whether a start was refused because the ID was used.
func isAlreadyStarted(err error) bool {
	var as *serviceerror.WorkflowExecutionAlreadyStarted
	return errors.As(err, &as)
}
