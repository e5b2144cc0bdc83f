package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
)

// acts names the activities by method value, so that the compiler checks
// every name the workflows schedule (the SDK resolves a method value of a
// nil receiver to the activity registered under the method's name).
var acts *activities.Activities

// versionFixedBody marks runs that fix their body fields at the start
// instead of taking the worker's configuration at each call.
const versionFixedBody = "fixed-body"

// fixBody fills the body fields the input leaves empty from the worker's
// configuration, once, before the first CRM call: the answer of a local
// activity is recorded in the history, so a rolling deploy that changes
// KYLIN_CRM_MEMBER_TYPE cannot send the same token with another body (which
// the CRM refuses with 409). Runs recorded before this existed keep taking
// the worker's configuration at each call, as they did.
func fixBody(ctx workflow.Context, b Body) (Body, error) {
	if b.MemberType != "" && b.ChannelType != "" && b.PointBizType != "" {
		return b, nil
	}
	if workflow.GetVersion(ctx, versionFixedBody, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return b, nil
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 5 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumInterval: 5 * time.Second},
	})
	var d activities.BodyFields
	if err := workflow.ExecuteLocalActivity(lctx, acts.BodyFields).Get(lctx, &d); err != nil {
		return b, err
	}
	if b.MemberType == "" {
		b.MemberType = d.MemberType
	}
	if b.ChannelType == "" {
		b.ChannelType = d.ChannelType
	}
	if b.PointBizType == "" {
		b.PointBizType = d.PointBizType
	}
	return b, nil
}
