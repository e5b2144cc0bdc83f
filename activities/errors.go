package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/crm"
)

// ErrCRMTransient is the type of the retryable ApplicationError returned when
// the CRM's answer was temporary or never arrived.
const ErrCRMTransient = "CRMTransient"

// MetricUnauthorized counts the CRM's refusals of our credentials on steps
// that retry them (ErrCRMUnauthorized), by op: an operator must act.
const MetricUnauthorized = "kylin_crm_unauthorized_total"

// RejectionDetails ride on an ErrCRMRejected or ErrOutcomeUnknown error, for
// the workflow and for a person reading the failure in the Web UI.
type RejectionDetails struct {
	Status  int    `json:"status"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Meaning is what the worker's codes mapping read into Code, for a
	// business answer; empty when the mapping does not know the code, and in
	// details recorded before meanings existed (see MeaningOf).
	Meaning crm.Meaning `json:"meaning,omitempty"`
}

// Business reports whether the refusal is the CRM's business answer under the
// token (a 2xx with success:false).
func (d RejectionDetails) Business() bool { return d.Status >= 200 && d.Status < 300 }

// MeaningOf is what a business answer means: d.Meaning, or, for details
// recorded before the activities named meanings (always under the default
// codes), the default codes' reading of d.Code. MeaningNone for anything
// that is not a business answer.
func (d RejectionDetails) MeaningOf() crm.Meaning {
	switch {
	case !d.Business():
		return crm.MeaningNone
	case d.Meaning != "":
		return d.Meaning
	}
	return crm.DefaultCodes().MeaningOf(d.Code)
}

// toTemporal maps a CRM client error of operation op to the Temporal error
// of its class (docs/design.md, Error classes; docs/exactly-once.md's table), with what the attempt knows: a
// refusal is proof that nothing was applied only when it is a business
// answer under the token, or when no earlier request can have carried the
// token.
func (a *Activities) toTemporal(ctx context.Context, op string, in Input, err error) error {
	ce, ok := errors.AsType[*crm.Error](err)
	if !ok {
		// Not the client's: unknown outcome, so let the retry policy decide.
		return err
	}
	switch ce.Class {
	case crm.ClassInvalid:
		return temporal.NewNonRetryableApplicationError(ce.Error(), ErrInvalidInput, nil)
	case crm.ClassTransient:
		return temporal.NewApplicationErrorWithOptions(ce.Error(), ErrCRMTransient, temporal.ApplicationErrorOptions{
			NextRetryDelay: ce.RetryAfter,
		})
	}
	details := RejectionDetails{Status: ce.Status, Code: ce.Code, Message: ce.Message}
	if details.Business() {
		details.Meaning = a.meaning(ce.Code)
	}
	mustHappen := op != crm.OpFreeze || in.Recheck
	earlier := in.MaybeSent || in.Recheck || attempt(ctx) > 1
	switch {
	case details.Business():
		return temporal.NewNonRetryableApplicationError(ce.Error(), ErrCRMRejected, nil, details)
	case mustHappen && (ce.Status == http.StatusUnauthorized || ce.Status == http.StatusForbidden):
		if activity.IsActivity(ctx) {
			activity.GetMetricsHandler(ctx).WithTags(map[string]string{"op": op}).Counter(MetricUnauthorized).Inc(1)
		}
		return temporal.NewApplicationError(fmt.Sprintf(
			"%s; retrying until an operator fixes the CRM credentials (KYLIN_CRM_SERVICE_NAME, the secret), the caller's rights or the clock",
			ce.Error()), ErrCRMUnauthorized, details)
	case in.Recheck && ce.Status != http.StatusConflict:
		return temporal.NewApplicationError(fmt.Sprintf(
			"%s; retrying until the CRM answers for token %s", ce.Error(), in.Token), ErrCRMRefusing, details)
	case earlier:
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"%s, after an earlier request under token %s whose answer was lost: it may have been applied", ce.Error(), in.Token),
			ErrOutcomeUnknown, nil, details)
	default:
		return temporal.NewNonRetryableApplicationError(ce.Error(), ErrCRMRejected, nil, details)
	}
}

// attempt is the activity attempt running ctx, from 1; 1 outside an
// activity (a direct call), where no earlier attempt can have been made.
func attempt(ctx context.Context) int32 {
	if !activity.IsActivity(ctx) {
		return 1
	}
	return activity.GetInfo(ctx).Attempt
}
