package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
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
	for _, name := range []string{UpdateConfirm, UpdateCancel} {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, name, r.decide(name), workflow.UpdateHandlerOptions{
			Validator:   r.validate(name),
			Description: fmt.Sprintf("%s a FROZEN redemption; answers the final status", name),
		}); err != nil {
			return err
		}
	}
	return nil
}

// accepts reports whether Update name may run now. It must not change state.
func (r *redemption) accepts(name string) bool {
	return r.winner == name || r.winner == "" && r.status.State == StateFrozen
}

func (r *redemption) validate(name string) func(workflow.Context) error {
	return func(workflow.Context) error {
		if r.accepts(name) {
			return nil
		}
		return r.rejection(name)
	}
}

func (r *redemption) decide(name string) func(workflow.Context) (RedemptionStatus, error) {
	return func(ctx workflow.Context) (RedemptionStatus, error) {
		if !r.accepts(name) {
			// Another decision won between validation and this handler.
			return RedemptionStatus{}, r.rejection(name)
		}
		r.winner = name
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		if err := workflow.Await(dctx, func() bool { return r.done }); err != nil {
			return RedemptionStatus{}, err
		}
		if r.failure != nil {
			return RedemptionStatus{}, r.failure
		}
		return r.status, nil
	}
}

func (r *redemption) rejection(name string) error {
	msg := fmt.Sprintf("cannot %s: redemption is %s", name, r.status.State)
	if r.winner != "" {
		msg += ", decided by " + r.winner
	}
	return temporal.NewNonRetryableApplicationError(msg, ErrNotFrozen, nil, r.status)
}
