package workflows

import (
	"math"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
)

// AttemptTimeout bounds one activity attempt: a little above the CRM client's
// default 10s HTTP timeout, so that the client gives up first and says why.
// The worker refuses a KYLIN_CRM_TIMEOUT that is not shorter.
const AttemptTimeout = 15 * time.Second

// finalErrorTypes are the activity errors no retry can cure.
var finalErrorTypes = []string{activities.ErrInvalidInput, activities.ErrCRMRefused, activities.ErrCRMRejected, activities.ErrOutcomeUnknown}

// maxSeconds is the most seconds a time.Duration holds.
const maxSeconds = int64(math.MaxInt64 / int64(time.Second))

// freezeOptions: the freeze is bounded because its caller is waiting for it.
// ScheduleToClose is the caller's budget for all attempts together (input,
// default 2 minutes); retries start at 1s and double up to 10s, so a short CRM
// outage is ridden out inside the budget; invalid input and CRM rejections
// end it at once. When the budget runs out the outcome is unknown, and the
// caller undoes the freeze (see undoFreeze).
//
// It runs at PriorityCashier: someone is waiting for it.
func freezeOptions(timeout time.Duration, summary, shop string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		ScheduleToCloseTimeout: timeout,
		StartToCloseTimeout:    AttemptTimeout,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        10 * time.Second,
			NonRetryableErrorTypes: finalErrorTypes,
		},
		Summary:  summary,
		Priority: cashierPriority(shop),
	}
}

// settleOptions: release and consume carry out a decision already taken
// about points already frozen, so they must happen, however long the CRM is
// down. An activity retries settleRound times, backing off from 1s to at
// most one call a minute (about 5 minutes in all); then the workflow says
// in its current details why it is still trying and runs another round
// (carryOut), with no limit; the same token makes every retry safe.
// A refusal of our credentials (401, 403) is retried the same way, until an
// operator fixes them: the decision stands. Only invalid input, a CRM
// rejection or a refusal after a lost answer stops them, for the workflow to
// handle. They run at PrioritySettlement, behind any freeze a cashier waits
// for.
func settleOptions(summary, shop string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: AttemptTimeout,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        settleRound,
			NonRetryableErrorTypes: finalErrorTypes,
		},
		Summary:  summary,
		Priority: settlementPriority(shop),
	}
}

// settleRound is how many attempts of a settle step run before the workflow
// looks up and shows why it is still trying.
const settleRound = 10

// secondsOr turns an input field in seconds into a duration, 0 meaning def.
// checkSeconds must have accepted it.
func secondsOr(seconds int64, def time.Duration) time.Duration {
	if seconds == 0 {
		return def
	}
	return time.Duration(seconds) * time.Second
}

// boundedTimeoutsChange marks the runs that refuse a hold or freeze timeout
// above MaxHold or MaxFreezeTimeout. It is looked up only for such a value,
// so that the histories of every other run are as before.
const boundedTimeoutsChange = "bounded-timeouts"

// checkSeconds refuses an input field in seconds that is negative, does not
// fit a duration or is above max, before any CRM call. Runs recorded before
// the bound keep accepting what they accepted.
func checkSeconds(ctx workflow.Context, field string, seconds int64, max time.Duration) error {
	switch {
	case seconds < 0:
		return invalidInput("%s must not be negative, got %d", field, seconds)
	case seconds > maxSeconds:
		return invalidInput("%s must be at most %d (about 292 years), got %d", field, maxSeconds, seconds)
	case seconds > int64(max/time.Second) && workflow.GetVersion(ctx, boundedTimeoutsChange, workflow.DefaultVersion, 1) == 1:
		return invalidInput("%s must be at most %d (%s), got %d", field, int64(max/time.Second), max, seconds)
	}
	return nil
}
