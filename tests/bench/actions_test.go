package bench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// actionsPage is Temporal Cloud's published mapping of operations to
// billable Actions, which cost counts by.
const actionsPage = "https://docs.temporal.io/cloud/actions"

// cost is what one workflow run's history costs on Temporal Cloud, by the
// mapping of actionsPage, and what it holds.
type cost struct {
	// actions is the billable total.
	actions int
	// events is the history's length.
	events int
	// By kind: starts (client start, continue-as-new), search-attribute
	// upserts, markers (by name), Updates accepted, activity attempts,
	// timers, signals.
	starts, upserts, updates, attempts, timers, signals int
	markers                                             map[string]int
	// markerTasks are the workflow tasks that recorded markers: the page
	// bills each once (markerTasks).
	markerTasks int
	// versionUpserts are the SDK's upserts of TemporalChangeVersion alone
	// (one per workflow.GetVersion a new run calls), which the page
	// exempts from the count.
	versionUpserts int
}

// changeVersionOnly reports whether upsert event e sets nothing but
// TemporalChangeVersion.
func changeVersionOnly(e *historypb.HistoryEvent) bool {
	fields := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
	_, ok := fields["TemporalChangeVersion"]
	return ok && len(fields) == 1
}

// markerTasks counts the workflow tasks of h that recorded a marker, of
// any name. The page bills markers by workflow task, not one by one: "All
// Local Activities associated with one Workflow Task count as a single
// Action. That's because Temporal Cloud counts all RecordMarkers from each
// Workflow Task as one action". It names Local Activities and Side Effects;
// a Version marker (workflow.GetVersion) is a RecordMarker too, so it is
// counted as well: the reading that bills more. The upsert of
// TemporalChangeVersion that comes with a Version marker is exempt
// ("Search Attribute upsert requested": "The TemporalChangeVersion Search
// Attribute, used for Workflow versioning, is also exempt"), as are the
// attributes given at the start.
func markerTasks(h []*historypb.HistoryEvent) int {
	tasks := map[int64]bool{}
	for _, e := range h {
		if e.GetEventType() == enumspb.EVENT_TYPE_MARKER_RECORDED {
			tasks[e.GetMarkerRecordedEventAttributes().GetWorkflowTaskCompletedEventId()] = true
		}
	}
	return len(tasks)
}

// costOf counts a run's history by actionsPage: a workflow started
// (client, continue-as-new) 1; each search-attribute upsert 1, except one
// of TemporalChangeVersion alone; each workflow task that recorded markers
// (Local Activities, Side Effects, Versions) 1, however many; an Update
// accepted 1; an activity 1 per attempt (its start and every retry); a
// timer started 1; a signal 1. Workflow tasks, completions, queries and
// the events that close what was counted are not billed.
func costOf(h []*historypb.HistoryEvent) cost {
	c := cost{events: len(h), markers: map[string]int{}, markerTasks: markerTasks(h)}
	for _, e := range h {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			c.starts++
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			if changeVersionOnly(e) {
				c.versionUpserts++
			} else {
				c.upserts++
			}
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			c.markers[e.GetMarkerRecordedEventAttributes().GetMarkerName()]++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			c.updates++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			// One event per activity, after its last attempt: attempt
			// says how many there were.
			c.attempts += int(max(e.GetActivityTaskStartedEventAttributes().GetAttempt(), 1))
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			c.timers++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			c.signals++
		}
	}
	c.actions = c.starts + c.upserts + c.markerTasks + c.updates + c.attempts + c.timers + c.signals
	return c
}

func (c cost) String() string {
	var ms []string
	for _, name := range []string{"Version", "LocalActivity", "SideEffect", "MutableSideEffect"} {
		if n := c.markers[name]; n > 0 {
			ms = append(ms, fmt.Sprintf("%d %s", n, name))
		}
	}
	return fmt.Sprintf("%d actions, %d events: %d start, %d upserts (+%d of TemporalChangeVersion, exempt), markers [%s] in %d workflow tasks, %d Updates, %d activity attempts, %d timers",
		c.actions, c.events, c.starts, c.upserts, c.versionUpserts, strings.Join(ms, ", "), c.markerTasks, c.updates, c.attempts, c.timers)
}

// recordedCosts are the counts measured on the server v1.32.1 test server
// (BENCHMARKS.md, "Actions and events per redemption"). A change that
// raises one fails TestActionsPerRedemption: lower them when a cut lands.
var recordedCosts = map[string]struct{ actions, events int }{
	"confirmed": {10, 31},
	"cancelled": {10, 31},
	"timed out": {9, 30},
	"failed":    {6, 23},
	"floor":     {7, 26},
}

// TestActionsPerRedemption runs a confirmed, a cancelled, a timed-out and a
// failed redemption on the in-process server as a points mall does (redeem
// with Update-with-Start, then confirm or cancel), and the floor (the least
// a correct design needs for the confirmed one: a start with its search
// attributes, the awaitFreeze Update, the freeze, the hold timer, the
// decision Update, the settlement, one final upsert), and counts their
// billable actions and events. None may rise above recordedCosts.
func TestActionsPerRedemption(t *testing.T) {
	got := measureCosts(t)
	var table strings.Builder
	writeCostTable(&table, got)
	t.Log("\n" + table.String())
	for name, want := range recordedCosts {
		c, ok := got[name]
		require.True(t, ok, name)
		require.LessOrEqual(t, c.actions, want.actions, "%s: billable actions rose: %s", name, c)
		require.LessOrEqual(t, c.events, want.events, "%s: events rose: %s", name, c)
	}
}

func measureCosts(t *testing.T) map[string]cost {
	tp := testenv.StartTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	fundMembers(t, sb)
	const taskQueue = "bench-actions"
	cfg := testenv.WorkerConfig(sb.URL, taskQueue)
	testenv.RunWorker(t, tp, cfg, workerapp.Options{
		Register: func(r worker.Registry, a *activities.Activities) {
			workflows.Register(r, a)
			r.RegisterWorkflowWithOptions(floorWorkflow, workflow.RegisterOptions{Name: "Floor"})
			r.RegisterActivityWithOptions(noopActivity, activity.RegisterOptions{Name: "FloorStep"})
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := tp.Client
	redeem := func(id string, points float64, hold int64) workflows.RedemptionStatus {
		st, _, err := workflows.Redeem(ctx, c, id, taskQueue, workflows.RedemptionRequest{
			MemberID: member(0), Points: points, Description: "actions", ShopCode: "shop-1", HoldSeconds: hold},
			workflows.WithMember(cfg.Search.MemberValue(member(0))))
		require.NoError(t, err, id)
		return st
	}
	result := func(id string) workflows.RedemptionStatus {
		var st workflows.RedemptionStatus
		require.NoError(t, c.GetWorkflow(ctx, id, "").Get(ctx, &st), id)
		return st
	}
	require.Equal(t, workflows.StateFrozen, redeem("actions-confirmed", 1, 3600).State)
	_, err := testenv.Decide(ctx, c, "actions-confirmed", workflows.UpdateConfirm)
	require.NoError(t, err)
	require.Equal(t, workflows.StateConsumed, result("actions-confirmed").State)

	require.Equal(t, workflows.StateFrozen, redeem("actions-cancelled", 1, 3600).State)
	_, err = testenv.Decide(ctx, c, "actions-cancelled", workflows.UpdateCancel)
	require.NoError(t, err)
	require.Equal(t, workflows.StateReleased, result("actions-cancelled").State)

	require.Equal(t, workflows.StateFrozen, redeem("actions-timed-out", 1, 1).State)
	require.Equal(t, workflows.DecisionHoldTimeout, result("actions-timed-out").Decision)

	// More points than the member holds: the CRM refuses, the release under
	// the token finds nothing, FAILED with nothing frozen.
	require.Equal(t, workflows.StateFailed, redeem("actions-failed", 2*benchBalance, 3600).State)
	require.Equal(t, workflows.StateFailed, result("actions-failed").State)

	opts := workflows.StartOptions("actions-floor", taskQueue, "floor")
	opts.TypedSearchAttributes = temporal.NewSearchAttributes(search.State.ValueSet(string(workflows.StateFreezing)), search.Points.ValueSet(1))
	start := c.NewWithStartWorkflowOperation(opts, "Floor")
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateName: workflows.UpdateAwaitFreeze, WaitForStage: client.WorkflowUpdateStageCompleted}})
	require.NoError(t, err)
	require.NoError(t, h.Get(ctx, nil))
	u, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: "actions-floor", UpdateID: workflows.UpdateConfirm,
		UpdateName: workflows.UpdateConfirm, WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(t, err)
	require.NoError(t, u.Get(ctx, nil))
	require.NoError(t, c.GetWorkflow(ctx, "actions-floor", "").Get(ctx, nil))

	out := map[string]cost{}
	for name, id := range map[string]string{"confirmed": "actions-confirmed", "cancelled": "actions-cancelled",
		"timed out": "actions-timed-out", "failed": "actions-failed", "floor": "actions-floor"} {
		out[name] = costOf(events(ctx, t, tp, id))
	}
	return out
}

// floorWorkflow is the floor: what a correct redemption that is confirmed
// cannot do without. Started with its search attributes; the awaitFreeze
// Update answers once the freeze (an activity) is done; the hold timer
// waits for the decision Update, which answers once the settlement (an
// activity) is done and the final state upserted.
func floorWorkflow(ctx workflow.Context) error {
	frozen, decided, settled := false, false, false
	if err := workflow.SetUpdateHandler(ctx, workflows.UpdateAwaitFreeze, func(ctx workflow.Context) error {
		return workflow.Await(ctx, func() bool { return frozen })
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, workflows.UpdateConfirm, func(ctx workflow.Context) error {
		decided = true
		return workflow.Await(ctx, func() bool { return settled })
	}); err != nil {
		return err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	if err := workflow.ExecuteActivity(actx, "FloorStep").Get(ctx, nil); err != nil {
		return err
	}
	frozen = true
	if _, err := workflow.AwaitWithTimeout(ctx, time.Hour, func() bool { return decided }); err != nil {
		return err
	}
	if err := workflow.ExecuteActivity(actx, "FloorStep").Get(ctx, nil); err != nil {
		return err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, search.State.ValueSet(string(workflows.StateConsumed))); err != nil {
		return err
	}
	settled = true
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// writeCostTable writes the counts as BENCHMARKS.md shows them.
func writeCostTable(w io.Writer, got map[string]cost) {
	fmt.Fprintln(w, "| redemption | billable actions | events | starts | upserts (+ TemporalChangeVersion, exempt) | markers (workflow tasks billed) | Updates | activity attempts | timers |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, name := range []string{"confirmed", "cancelled", "timed out", "failed", "floor"} {
		c := got[name]
		var ms []string
		for _, m := range slices.Sorted(maps.Keys(c.markers)) {
			ms = append(ms, fmt.Sprintf("%d %s", c.markers[m], m))
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d (+%d) | %s (%d) | %d | %d | %d |\n", name, c.actions, c.events, c.starts, c.upserts,
			c.versionUpserts, cmp.Or(strings.Join(ms, ", "), "none"), c.markerTasks, c.updates, c.attempts, c.timers)
	}
}
