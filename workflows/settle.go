package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
)

// releaseFrozen gives the points of the freeze in.FreezeToken back to the
// member. The CRM refusing it for good is ErrReleaseFailed.
func releaseFrozen(ctx workflow.Context, in activities.Input) (activities.Output, error) {
	ctx = workflow.WithActivityOptions(ctx, settleOptions(activitySummary("release", in.Points, in.MemberID)))
	var out activities.Output
	if err := workflow.ExecuteActivity(ctx, activities.ReleaseName, in).Get(ctx, &out); err != nil {
		return out, releaseFailed(in.FreezeToken, err)
	}
	if out.NothingToRelease {
		workflow.GetLogger(ctx).Info("nothing to release", "freezeToken", in.FreezeToken)
	}
	return out, nil
}

// consumeFrozen deducts the points of the freeze in.FreezeToken for good.
// Its error is the CRM's final refusal, for the caller to compensate.
func consumeFrozen(ctx workflow.Context, in activities.Input) (activities.Output, error) {
	ctx = workflow.WithActivityOptions(ctx, settleOptions(activitySummary("consume", in.Points, in.MemberID)))
	var out activities.Output
	err := workflow.ExecuteActivity(ctx, activities.ConsumeName, in).Get(ctx, &out)
	return out, err
}

// releaseFailed is the loud failure of a release the CRM refused for good:
// the points stay frozen under freezeToken until a person settles them.
func releaseFailed(freezeToken string, cause error) error {
	msg := fmt.Sprintf("release of freeze %s failed for good, its points stay frozen until a person settles them: %s",
		freezeToken, errorText(cause))
	return temporal.NewNonRetryableApplicationError(msg, ErrReleaseFailed, cause, freezeToken)
}
