package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// What EnsureReconcileSchedule did.
const (
	ScheduleCreated   = "created"
	ScheduleUpdated   = "updated"
	ScheduleUnchanged = "unchanged"
)

// EnsureReconcileSchedule makes sure the Schedule ReconcileScheduleID runs
// ReconcileHeldPointsWorkflow on taskQueue every every (0: the default),
// skipping a run while the last still runs: it creates it, updates one that
// differs, or leaves one as asked alone, and says which. Idempotent: the
// starter, and every worker with KYLIN_RECONCILE_EVERY, may call it.
func EnsureReconcileSchedule(ctx context.Context, c client.Client, taskQueue string, every time.Duration) (string, error) {
	if every <= 0 {
		every = DefaultReconcileEvery
	}
	if every < time.Minute {
		return "", fmt.Errorf("the reconciliation runs at most every minute, not every %s", every)
	}
	action := &client.ScheduleWorkflowAction{
		ID:                       ReconcileScheduleID,
		Workflow:                 ReconcileWorkflowName,
		Args:                     []any{ReconcileRequest{EverySeconds: int64(every / time.Second)}},
		TaskQueue:                taskQueue,
		WorkflowExecutionTimeout: every,
		StaticSummary:            "count held points from visibility (never settles anything)",
	}
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      ReconcileScheduleID,
		Spec:    spec,
		Action:  action,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Note:    "kylin-points: held points per state and age, as gauges (docs/operations.md)",
	})
	if err == nil {
		return ScheduleCreated, nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return "", fmt.Errorf("creating schedule %s: %w", ReconcileScheduleID, err)
	}
	did := ScheduleUnchanged
	err = c.ScheduleClient().GetHandle(ctx, ReconcileScheduleID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			wa, ok := s.Action.(*client.ScheduleWorkflowAction)
			same := ok && wa.TaskQueue == taskQueue && wa.Workflow == ReconcileWorkflowName &&
				s.Spec != nil && len(s.Spec.Intervals) == 1 && s.Spec.Intervals[0].Every == every &&
				len(s.Spec.Calendars) == 0 && len(s.Spec.CronExpressions) == 0
			if same {
				return nil, temporal.ErrSkipScheduleUpdate
			}
			s.Action, s.Spec = action, &spec
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP
			did = ScheduleUpdated
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return "", fmt.Errorf("updating schedule %s: %w", ReconcileScheduleID, err)
	}
	return did, nil
}
