package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/crm"
)

// registerHandlers sets the status query and the confirm and cancel Updates.
//
// An Update is accepted only while FROZEN and undecided, or when it repeats
// the decision that won; any other is rejected by its validator and never
// reaches the history. An accepted Update waits until the redemption has
// ended and answers with the final status: CONSUMED after a confirm, or
// RELEASED when the CRM refused the consume, so that a caller learns the
// outcome, not just that it was heard. A repeat of the winner gets the same
// answer.
func (r *redemption) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (RedemptionStatus, error) {
		return r.status, nil
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAwaitFreeze, func(ctx workflow.Context) (RedemptionStatus, error) {
		err := workflow.Await(ctx, func() bool { return r.done || r.continuing || r.status.State != StateFreezing })
		return r.status, err
	}, workflow.UpdateHandlerOptions{
		Description: "wait until the freeze has settled; answers the status: FROZEN, FAILED, or RELEASING while an unsettled freeze is undone",
	}); err != nil {
		return err
	}
	if err := r.registerAttentionHandlers(ctx); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateConfirm,
		func(ctx workflow.Context, req ConfirmRequest) (RedemptionStatus, error) {
			return r.decide(ctx, UpdateConfirm, req.Points)
		},
		workflow.UpdateHandlerOptions{
			Validator: func(_ workflow.Context, req ConfirmRequest) error {
				return r.check(UpdateConfirm, req.Points)
			},
			Description: "consume the points of a FROZEN redemption (all, or {\"points\": N} and release the rest); answers the final status",
		}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancel,
		func(ctx workflow.Context) (RedemptionStatus, error) { return r.decide(ctx, UpdateCancel, 0) },
		workflow.UpdateHandlerOptions{
			Validator:   func(workflow.Context) error { return r.check(UpdateCancel, 0) },
			Description: "release the points of a FROZEN redemption; answers the final status",
		})
}

// check says whether Update name, consuming points (0: all), may run now.
// It must not change state.
func (r *redemption) check(name string, points float64) error {
	if r.winner != name && (r.winner != "" || r.status.State != StateFrozen) {
		return r.rejection(name)
	}
	if err := checkConsumePoints(points, r.req.Points); err != nil {
		return err
	}
	if r.winner == name && crm.Hundredths(points) != crm.Hundredths(r.consume) {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("cannot %s %s points: already confirmed for %s", name, crm.FormatPoints(points), describeAmount(r.consume)),
			ErrNotFrozen, nil, r.status)
	}
	return nil
}

func (r *redemption) decide(ctx workflow.Context, name string, points float64) (RedemptionStatus, error) {
	if err := r.check(name, points); err != nil {
		// Another decision won between validation and this handler.
		return RedemptionStatus{}, err
	}
	r.winner, r.consume = name, points
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	if err := workflow.Await(dctx, func() bool { return r.done || r.continuing || r.status.State == StateAttention }); err != nil {
		return RedemptionStatus{}, err
	}
	if r.status.State == StateAttention && !r.done {
		// The decision could not be carried out: the run waits for a
		// person. The caller hears the failure it always heard.
		return RedemptionStatus{}, r.failure
	}
	if r.continuing {
		// The run continues as new while it carries the decision out: the
		// answer is where it stands (workflows.Decide then waits for the
		// workflow's result, which follows the chain of runs).
		return r.status, nil
	}
	if r.failure != nil {
		return RedemptionStatus{}, r.failure
	}
	return r.status, nil
}

func (r *redemption) rejection(name string) error {
	msg := fmt.Sprintf("cannot %s: redemption is %s", name, r.status.State)
	if r.winner != "" {
		msg += ", decided by " + r.winner
	}
	return temporal.NewNonRetryableApplicationError(msg, ErrNotFrozen, nil, r.status)
}

// describeAmount names an amount to consume, 0 being all.
func describeAmount(points float64) string {
	if points == 0 {
		return "all points"
	}
	return crm.FormatPoints(points) + " points"
}
