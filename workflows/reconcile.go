package workflows

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/search"
)

// Reconciliation (docs/operations.md, The reconciliation schedule): a
// Temporal Schedule runs ReconcileHeldPointsWorkflow every few minutes. It
// counts, from visibility only, the points redemptions hold per state and
// age, and the worker that runs its activity publishes them as gauges, so
// that alerting needs nobody to run a command. It never settles anything.

// Names of the reconciliation.
const (
	ReconcileWorkflowName = "ReconcileHeldPointsWorkflow"
	// CountHeldActivityName lists the held redemptions from visibility.
	CountHeldActivityName = "KylinPointsCountHeld"
	// ReconcileScheduleID is the Schedule `starter schedule create` makes.
	ReconcileScheduleID = "kylin-points-reconcile"
	// DefaultReconcileEvery is how often the Schedule runs by default.
	DefaultReconcileEvery = 5 * time.Minute
)

// Age buckets of HeldCount.Age: how long ago the run started, except for a
// FROZEN redemption whose hold has ended (AgePastHold: its release is late).
const (
	AgeUnder1h  = "under_1h"
	Age1hTo24h  = "1h_to_24h"
	AgeOver24h  = "over_24h"
	AgePastHold = "past_hold"
)

// HeldStates are the states in which a redemption holds, or may hold, points.
var HeldStates = []State{StateFreezing, StateFrozen, StateConsuming, StateReleasing, StateAttention}

// ReconcileRequest is the input of ReconcileHeldPointsWorkflow.
type ReconcileRequest struct {
	// EverySeconds is how often the Schedule runs it: the gauges are
	// published as valid for three times that (then the worker stops
	// exporting them, rather than show old figures); 0 means the default.
	EverySeconds int64 `json:"everySeconds,omitempty"`
	// Limit bounds the runs listed; 0 means 100,000.
	Limit int `json:"limit,omitempty"`
}

// HeldCount is the points and runs held in one state and age bucket.
type HeldCount struct {
	State  State   `json:"state"`
	Age    string  `json:"age"`
	Runs   int     `json:"runs"`
	Points float64 `json:"points"`
}

// HeldCounts is the result of ReconcileHeldPointsWorkflow: every state and
// age bucket (zeros included, so that a gauge drops to 0), when they were
// counted, and whether the listing stopped at the limit.
type HeldCounts struct {
	At        time.Time     `json:"at"`
	Counts    []HeldCount   `json:"counts"`
	Truncated bool          `json:"truncated,omitempty"`
	ValidFor  time.Duration `json:"validFor"`
}

// ReconcileHeldPointsWorkflow counts the held points (one activity that
// reads visibility) and returns the counts. It never settles anything.
func ReconcileHeldPointsWorkflow(ctx workflow.Context, req ReconcileRequest) (HeldCounts, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
		Summary:             "count held points from visibility",
	})
	var counts HeldCounts
	err := workflow.ExecuteActivity(ctx, CountHeldActivityName, req).Get(ctx, &counts)
	return counts, err
}

// HeldCounter is the activity of the reconciliation: it lists the running
// redemptions in a held state from visibility (no worker is asked, nothing
// is settled) and hands the counts to Publish, e.g. the worker's metrics.
type HeldCounter struct {
	Client    client.Client
	Namespace string
	// Publish, when set, receives every count (the worker's gauges).
	Publish func(HeldCounts)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// defaultReconcileLimit bounds the runs one count lists.
const defaultReconcileLimit = 100_000

// CountHeld lists and counts. Runs without the search attributes are not
// seen: the count is of what visibility says.
func (h *HeldCounter) CountHeld(ctx context.Context, req ReconcileRequest) (HeldCounts, error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	at := now()
	every := time.Duration(req.EverySeconds) * time.Second
	if every <= 0 {
		every = DefaultReconcileEvery
	}
	limit := req.Limit
	if limit <= 0 {
		limit = defaultReconcileLimit
	}
	out := HeldCounts{At: at, ValidFor: 3 * every}
	index := map[[2]string]int{}
	for _, s := range HeldStates {
		ages := []string{AgeUnder1h, Age1hTo24h, AgeOver24h}
		if s == StateFrozen {
			ages = append(ages, AgePastHold)
		}
		for _, a := range ages {
			index[[2]string{string(s), a}] = len(out.Counts)
			out.Counts = append(out.Counts, HeldCount{State: s, Age: a})
		}
	}
	names := make([]string, len(HeldStates))
	for i, s := range HeldStates {
		names[i] = "'" + string(s) + "'"
	}
	types := make([]string, len(ParkingWorkflows))
	for i, t := range ParkingWorkflows {
		types[i] = "'" + t + "'"
	}
	query := fmt.Sprintf("WorkflowType IN (%s) AND ExecutionStatus = 'Running' AND %s IN (%s)",
		strings.Join(types, ", "), search.State.GetName(), strings.Join(names, ", "))
	var page []byte
	seen := 0
	for {
		resp, err := h.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: h.Namespace, PageSize: 1000, NextPageToken: page, Query: query,
		})
		if err != nil {
			return out, fmt.Errorf("listing held points (%s): %w", query, err)
		}
		for _, e := range resp.GetExecutions() {
			fields := e.GetSearchAttributes().GetIndexedFields()
			var state string
			var points float64
			var holdUntil time.Time
			decodeAttribute(fields, search.State.GetName(), &state)
			decodeAttribute(fields, search.Points.GetName(), &points)
			decodeAttribute(fields, search.HoldUntil.GetName(), &holdUntil)
			age := ageBucket(at.Sub(e.GetStartTime().AsTime()))
			if State(state) == StateFrozen && !holdUntil.IsZero() && at.After(holdUntil) {
				age = AgePastHold
			}
			i, ok := index[[2]string{state, age}]
			if !ok {
				continue
			}
			out.Counts[i].Runs++
			out.Counts[i].Points = crm.PointsFromHundredths(crm.Hundredths(out.Counts[i].Points) + crm.Hundredths(points))
			if seen++; seen >= limit {
				out.Truncated = true
				break
			}
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, seen)
		}
		if page = resp.GetNextPageToken(); len(page) == 0 || out.Truncated {
			break
		}
	}
	sort.SliceStable(out.Counts, func(i, j int) bool { return out.Counts[i].State < out.Counts[j].State })
	if h.Publish != nil {
		h.Publish(out)
	}
	return out, nil
}

func ageBucket(d time.Duration) string {
	switch {
	case d < time.Hour:
		return AgeUnder1h
	case d < 24*time.Hour:
		return Age1hTo24h
	}
	return AgeOver24h
}

// RegisterReconcile registers the activity of ReconcileHeldPointsWorkflow
// (which RegisterWorkflows registers), counting with h's client.
func RegisterReconcile(r worker.ActivityRegistry, h *HeldCounter) {
	r.RegisterActivityWithOptions(h.CountHeld, activity.RegisterOptions{Name: CountHeldActivityName})
}
