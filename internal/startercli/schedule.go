package startercli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kylinpoints/kylin-points/workflows"
)

var flagEvery = flagSpec{"every", "DURATION", "how often the reconciliation runs, at least 1m (default 5m)",
	func(in *input) *string { return &in.every }}

var scheduleCreateCommand = &command{
	name:    "schedule create",
	usage:   "starter schedule create [--every DURATION]",
	summary: "create (or update) the reconciliation Schedule of held points",
	details: "Makes sure the Temporal Schedule " + workflows.ReconcileScheduleID + " runs " + workflows.ReconcileWorkflowName + " on the\n" +
		"task queue every DURATION: it counts, from visibility, the points redemptions hold per state and age,\n" +
		"and the worker that runs it exports them as gauges (kylin_held_points, kylin_held_runs). It never\n" +
		"settles anything. Idempotent: creates the Schedule, updates one that differs, or leaves it; the state\n" +
		"printed is created, updated or unchanged (workflowId is the Schedule ID). Exit 0 when the Schedule is\n" +
		"as asked, 1 when Temporal refused or could not be reached.",
	flags: []flagSpec{flagEvery},
	check: checkSchedule,
	run:   (*App).scheduleCreate,
}

func checkSchedule(in input) (request, []string) {
	req := request{every: workflows.DefaultReconcileEvery}
	if v := strings.TrimSpace(in.every); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			return req, []string{fmt.Sprintf("--every %q is not a duration (e.g. 5m)", in.every)}
		case d < time.Minute || d%time.Second != 0:
			return req, []string{fmt.Sprintf("--every %q must be whole seconds, at least 1m", in.every)}
		}
		req.every = d
	}
	return req, nil
}

// scheduleCreate makes sure the reconciliation Schedule runs as asked.
func (a *App) scheduleCreate(ctx context.Context, req request) outcome {
	did, err := workflows.EnsureReconcileSchedule(ctx, a.Client, a.TaskQueue, req.every)
	r := Report{WorkflowID: workflows.ReconcileScheduleID, State: did, Every: req.every.String()}
	if err != nil {
		r.Error = err.Error()
		return outcome{report: r, problem: r.Error}
	}
	return outcome{report: r}
}
