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

// versionPrepared marks runs that fix their body fields and search settings
// at the start (the Prepare local activity) instead of taking the worker's
// configuration at each call.
const versionPrepared = "prepared"

// prepared is what a run fixed at its start.
type prepared struct {
	body Body
	// search says to upsert the search attributes; member is the Member
	// attribute's value ("" to leave it out).
	search bool
	member string
}

// prepare fixes, once and before the first CRM call, the body fields the
// input leaves empty, from the worker's configuration, and (withSearch) the
// search settings. The answer of the local activity is recorded in the
// history, so a rolling deploy that changes KYLIN_CRM_MEMBER_TYPE cannot
// send the same token with another body (which the CRM refuses with 409).
// Runs recorded before this existed keep taking the worker's configuration
// at each call and upsert no search attributes, as they did.
func prepare(ctx workflow.Context, memberID string, b Body, withSearch bool) (prepared, error) {
	if !withSearch && b.MemberType != "" && b.ChannelType != "" && b.PointBizType != "" {
		return prepared{body: b}, nil
	}
	if workflow.GetVersion(ctx, versionPrepared, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return prepared{body: b}, nil
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 5 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumInterval: 5 * time.Second},
	})
	var p activities.Prepared
	if err := workflow.ExecuteLocalActivity(lctx, acts.Prepare, memberID).Get(lctx, &p); err != nil {
		return prepared{body: b}, err
	}
	if b.MemberType == "" {
		b.MemberType = p.MemberType
	}
	if b.ChannelType == "" {
		b.ChannelType = p.ChannelType
	}
	if b.PointBizType == "" {
		b.PointBizType = p.PointBizType
	}
	return prepared{body: b, search: withSearch && p.Search, member: p.Member}, nil
}
