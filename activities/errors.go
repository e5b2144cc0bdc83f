package activities

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/crm"
)

// ErrCRMTransient is the type of the retryable ApplicationError returned when
// the CRM's answer was temporary or never arrived.
const ErrCRMTransient = "CRMTransient"

// RejectionDetails ride on an ErrCRMRejected error, for the workflow and for
// a person reading the failure in the Web UI.
type RejectionDetails struct {
	Status  int    `json:"status"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// toTemporal maps a CRM client error to the Temporal error of its class:
// invalid and rejected are non-retryable, transient is retryable and carries
// the CRM's Retry-After as the next retry delay.
func toTemporal(err error) error {
	ce, ok := errors.AsType[*crm.Error](err)
	if !ok {
		// Not the client's: unknown outcome, so let the retry policy decide.
		return err
	}
	switch ce.Class {
	case crm.ClassInvalid:
		return temporal.NewNonRetryableApplicationError(ce.Error(), ErrInvalidInput, nil)
	case crm.ClassRejected:
		details := RejectionDetails{Status: ce.Status, Code: ce.Code, Message: ce.Message}
		return temporal.NewNonRetryableApplicationError(ce.Error(), ErrCRMRejected, nil, details)
	default:
		return temporal.NewApplicationErrorWithOptions(ce.Error(), ErrCRMTransient, temporal.ApplicationErrorOptions{
			NextRetryDelay: ce.RetryAfter,
		})
	}
}
