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

// versionAllowed marks the runs that read the worker's allow-list of body
// values through the local activity before their first freeze, even with a
// full body, so that a freeze it does not allow is refused before it is ever
// scheduled (no attempt count needed to know that nothing was sent).
const versionAllowed = "kylin-points.allowed"

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
	// allowed is the worker's allow-list as recorded; nil when none.
	allowed *activities.AllowedBody
	// startShown says the run may take the search attributes its start
	// gave for its first state's upsert (activities.Prepared.StartShown).
	startShown bool
}

// preparedKey holds, in a workflow's context, what its workflow function
// prepared already, for freezePoints to use rather than prepare again.
type preparedKey struct{}

// withPrepared returns ctx carrying p.
func withPrepared(ctx workflow.Context, p prepared) workflow.Context {
	return workflow.WithValue(ctx, preparedKey{}, p)
}

// refusal says why the body may not be sent, or "" when it may.
func (p prepared) refusal() string {
	if p.allowed == nil {
		return ""
	}
	return p.allowed.Refuse(activities.BodyFields{MemberType: p.body.MemberType, ChannelType: p.body.ChannelType, PointBizType: p.body.PointBizType})
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
	if !withSearch && b.MemberType != "" && b.ChannelType != "" && b.PointBizType != "" &&
		workflow.GetVersion(ctx, versionAllowed, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		// Recorded before the allow-list: no local activity for a full body.
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
	return prepared{body: b, search: withSearch && p.Search, member: p.Member, allowed: p.Allowed, startShown: p.StartShown}, nil
}
