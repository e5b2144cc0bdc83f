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

// versionPrepare marks runs that fix their body fields and search settings
// at the start, through the local activity activities.PrepareName, instead
// of taking the worker's configuration at each call. Its name is qualified:
// the workflow functions run inside other teams' workflows, whose own change
// IDs must not collide with ours.
const versionPrepare = "kylin-points.prepare"

// legacyVersionPrepared is the change ID that runs recorded before
// versionPrepare carry; they ran the local activity under its method's name
// (activities.LegacyPrepareName).
const legacyVersionPrepared = "prepared"

// prepared is what a run fixed at its start.
type prepared struct {
	body Body
	// search says to upsert the search attributes; member is the Member
	// attribute's value ("" to leave it out).
	search bool
	member string
	// firstShape says the run was recorded by the first released code,
	// before the body was fixed at the start: it asked an unknown freeze
	// again without the Recheck flag (withFirstShape).
	firstShape bool
}

// firstShapeKey marks, in a workflow context, a run of the first released
// shape, whose activity inputs the code reproduces as they were recorded.
type firstShapeKey struct{}

// withFirstShape returns ctx marked as a run of the first released shape
// when p says so.
func withFirstShape(ctx workflow.Context, p prepared) workflow.Context {
	if !p.firstShape {
		return ctx
	}
	return workflow.WithValue(ctx, firstShapeKey{}, true)
}

// isFirstShape reports whether ctx runs a run of the first released shape.
func isFirstShape(ctx workflow.Context) bool {
	v, _ := ctx.Value(firstShapeKey{}).(bool)
	return v
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
	// Which local activity: a run replaying a history recorded before the
	// qualified names has no versionPrepare marker (GetVersion answers
	// DefaultVersion in a replay without one, and records nothing), and
	// finds its legacy marker, or none at all when it predates both.
	var prepareActivity any = activities.PrepareName
	if workflow.GetVersion(ctx, versionPrepare, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		if workflow.GetVersion(ctx, legacyVersionPrepared, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			return prepared{body: b, firstShape: true}, nil
		}
		// The method value: recorded as activities.LegacyPrepareName, and
		// only ever replayed from its marker, never run.
		prepareActivity = acts.Prepare
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 5 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumInterval: 5 * time.Second},
	})
	var p activities.Prepared
	if err := workflow.ExecuteLocalActivity(lctx, prepareActivity, memberID).Get(lctx, &p); err != nil {
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
