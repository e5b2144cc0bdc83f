package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

// recording is one workflow shape TestRecordHistory runs against a real
// server, and what its run must end with for the recording to be kept.
type recording struct {
	file     string
	workflow string
	input    any
	// script is the fake CRM's failures for this run (see fakeCRM).
	script map[string]func(int) error
	// seed, if set, prepares the fake CRM before the run (a freeze to settle).
	seed func(*fakeCRM)
	// search runs the worker with the search attributes on.
	search bool
	// startShown gives the run's first search attributes at its start, as
	// workflows.Redeem and Freeze do (with the member raw, as the recorder's
	// worker writes it).
	startShown bool
	// drive acts on the run once it has started: an Update, a cancel, or
	// nothing (the run ends by itself).
	drive func(ctx context.Context, c client.Client, id string) error
	// want is the redemption's final state and decision, for RedemptionWorkflow.
	want     workflows.State
	decision string
	// wantErr is the workflow failure's type ("" for none).
	wantErr string
	// next, for a workflow that continues as new, is the file of its last
	// run's history.
	next string
}

// Short timings keep a recording to seconds; the code paths are the same.
const (
	recordHoldSeconds   = 1
	recordFreezeTimeout = 2
)

// recordings are the shapes of every released workflow (docs/design.md, Workflows and states).
var recordings = []recording{
	{file: "redemption_consumed.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(),
		drive: decideWhenFrozen(workflows.UpdateConfirm), want: workflows.StateConsumed, decision: workflows.DecisionConfirm},
	{file: "redemption_released.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(),
		drive: decideWhenFrozen(workflows.UpdateCancel), want: workflows.StateReleased, decision: workflows.DecisionCancel},
	{file: "redemption_hold_timeout.json", workflow: workflows.RedemptionWorkflowName, input: redemptionWith(func(r *workflows.RedemptionRequest) {
		r.HoldSeconds = recordHoldSeconds
	}), want: workflows.StateReleased, decision: workflows.DecisionHoldTimeout},
	{file: "redemption_freeze_rejected.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(),
		script: map[string]func(int) error{crm.OpFreeze: failFirst(99, rejected(crm.OpFreeze, 200, "POINT_NOT_ENOUGH"))},
		want:   workflows.StateFailed},
	{file: "redemption_consume_rejected.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(),
		script: map[string]func(int) error{crm.OpConsume: failFirst(99, rejected(crm.OpConsume, 200, "FREEZE_EXPIRED"))},
		drive:  decideWhenFrozen(workflows.UpdateConfirm), want: workflows.StateReleased, decision: workflows.DecisionConsumeRejected},
	{file: "redemption_freeze_unknown.json", workflow: workflows.RedemptionWorkflowName, input: redemptionWith(func(r *workflows.RedemptionRequest) {
		r.FreezeTimeoutSeconds = recordFreezeTimeout
	}), script: map[string]func(int) error{crm.OpFreeze: failFirst(2, errLost)}, want: workflows.StateFailed},
	{file: "redemption_workflow_cancelled.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(),
		drive: cancelWhenFrozen, want: workflows.StateReleased, decision: workflows.DecisionWorkflowCancelled},
	{file: "freeze_frozen.json", workflow: workflows.FreezePointsWorkflowName, input: freezeRequest()},
	{file: "freeze_rejected.json", workflow: workflows.FreezePointsWorkflowName, input: freezeRequest(),
		script:  map[string]func(int) error{crm.OpFreeze: failFirst(99, rejected(crm.OpFreeze, 200, "POINT_NOT_ENOUGH"))},
		wantErr: activities.ErrCRMRejected},
	{file: "freeze_abandoned.json", workflow: workflows.FreezePointsWorkflowName, input: freezeWithTimeout(recordFreezeTimeout),
		script: map[string]func(int) error{crm.OpFreeze: failFirst(2, errLost)}, wantErr: workflows.ErrFreezeAbandoned},

	// Since the run prepares itself at the start (a GetVersion marker and a
	// local activity: the body fixed, the search attributes upserted on each
	// state), confirm takes an amount, ambiguous refusals are settled, a
	// settle step that keeps failing is run again in rounds, and a
	// standalone freeze has its settlement workflows. v2_redemption_released
	// runs without search attributes, the others with.
	{file: "v2_redemption_consumed_partly.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(), search: true,
		drive: decideWhenFrozen(workflows.UpdateConfirm, workflows.ConfirmRequest{Points: 2}), want: workflows.StateConsumed, decision: workflows.DecisionConfirm},
	{file: "v2_redemption_consume_unknown.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(), search: true,
		script: map[string]func(int) error{crm.OpConsume: sequence(errLost, rejected(crm.OpConsume, 409, "TOKEN_CONFLICT"))},
		drive:  decideWhenFrozen(workflows.UpdateConfirm), want: workflows.StateConsumed, decision: workflows.DecisionConfirm},
	{file: "v2_redemption_freeze_refused_after_lost.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(), search: true,
		script: map[string]func(int) error{crm.OpFreeze: sequence(errLost, rejected(crm.OpFreeze, 401, "UNAUTHORIZED"))}, want: workflows.StateFailed},
	{file: "v2_redemption_released.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(),
		script: map[string]func(int) error{crm.OpRelease: failFirst(2, rejected(crm.OpRelease, 401, "UNAUTHORIZED"))},
		drive:  decideWhenFrozen(workflows.UpdateCancel), want: workflows.StateReleased, decision: workflows.DecisionCancel},
	{file: "v2_freeze_frozen.json", workflow: workflows.FreezePointsWorkflowName, input: freezeRequest(), search: true},
	{file: "v2_settle_release.json", workflow: workflows.ReleasePointsWorkflowName, input: settleRequest(0), seed: seedFreeze,
		want: workflows.StateReleased},
	{file: "v2_settle_consume_partly.json", workflow: workflows.ConsumePointsWorkflowName, input: settleRequest(2), seed: seedFreeze,
		want: workflows.StateConsumed},

	// Since freezes are named by their callers' steps, a refusal is no
	// proof (a release under the freeze's reference decides), and the local
	// activity and the change ID have qualified names.
	{file: "v3_redemption_consumed.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(), search: true,
		drive: decideWhenFrozen(workflows.UpdateConfirm), want: workflows.StateConsumed, decision: workflows.DecisionConfirm},
	{file: "v3_redemption_freeze_refused.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(), search: true,
		script: map[string]func(int) error{crm.OpFreeze: failFirst(99, rejected(crm.OpFreeze, 200, "POINT_NOT_ENOUGH"))},
		want:   workflows.StateFailed},
	// Recorded before ATTENTION: the run failed; recorded again now, it
	// would wait for a person (the v4 shapes), so it is not recorded again.
	{file: "v3_redemption_consume_unknown_nothing_to_release.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(), search: true,
		script: map[string]func(int) error{
			crm.OpConsume: sequence(errLost, rejected(crm.OpConsume, 409, "TOKEN_CONFLICT")),
			crm.OpRelease: failFirst(99, rejected(crm.OpRelease, 200, "FREEZE_NOT_FOUND")),
		},
		drive: decideWhenFrozen(workflows.UpdateConfirm), wantErr: workflows.ErrReleaseFailed},
	{file: "v3_two_freezes.json", workflow: twoFreezesName,
		input: workflows.FreezeRequest{MemberID: "m-1", Points: 3, Description: "second", Step: workflows.FreezeStep(2), ShopCode: settleBoth}},
	{file: "v3_freeze_across_runs_1.json", next: "v3_freeze_across_runs_2.json", workflow: freezeAcrossRunsName,
		input: []any{[]string{workflows.StepFreeze, "freeze/after-can"}, []workflows.FreezeResult(nil)}},

	// Since a release that cannot be carried out waits in ATTENTION for a
	// person (the kylin-points.attention marker): retried until the CRM
	// answers, or resolved by a person after a retry that failed again.
	{file: "v4_redemption_attention_retried.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(), search: true,
		script: map[string]func(int) error{crm.OpRelease: failFirst(1, rejected(crm.OpRelease, 422, "MEMBER_LOCKED"))},
		drive:  cancelThenAttention(workflows.UpdateRetry), want: workflows.StateReleased, decision: workflows.DecisionCancel},
	{file: "v4_redemption_attention_resolved.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(), search: true,
		script: map[string]func(int) error{crm.OpRelease: failFirst(9, rejected(crm.OpRelease, 422, "MEMBER_LOCKED"))},
		drive:  cancelThenAttention(workflows.UpdateRetry, workflows.UpdateResolve), want: workflows.StateResolved, decision: workflows.DecisionCancel},
	// Since the standalone freeze and the settlement workflows wait in
	// ATTENTION too (kylin-points.attention-freeze, -settle).
	{file: "v4_freeze_attention_retried.json", workflow: workflows.FreezePointsWorkflowName, input: freezeRequest(), search: true,
		script: map[string]func(int) error{
			crm.OpFreeze:  failFirst(1, rejected(crm.OpFreeze, 200, "MEMBER_LOCKED")),
			crm.OpRelease: failFirst(1, rejected(crm.OpRelease, 422, "MEMBER_LOCKED")),
		},
		drive: whenAttention(workflows.UpdateRetry), wantErr: workflows.ErrFreezeAbandoned},
	{file: "v4_freeze_attention_resolved.json", workflow: workflows.FreezePointsWorkflowName, input: freezeRequest(), search: true,
		script: map[string]func(int) error{
			crm.OpFreeze:  failFirst(99, rejected(crm.OpFreeze, 200, "MEMBER_LOCKED")),
			crm.OpRelease: failFirst(99, rejected(crm.OpRelease, 422, "MEMBER_LOCKED")),
		},
		drive: whenAttention(workflows.UpdateResolve), wantErr: workflows.ErrResolved},
	{file: "v4_settle_release_attention_retried.json", workflow: workflows.ReleasePointsWorkflowName, input: settleRequest(0), seed: seedFreeze,
		search: true, script: map[string]func(int) error{crm.OpRelease: failFirst(1, rejected(crm.OpRelease, 422, "MEMBER_LOCKED"))},
		drive: whenAttention(workflows.UpdateRetry), want: workflows.StateReleased},
	{file: "v4_settle_consume_attention_resolved.json", workflow: workflows.ConsumePointsWorkflowName, input: settleRequest(0), seed: seedFreeze,
		search: true, script: map[string]func(int) error{
			crm.OpConsume: failFirst(99, rejected(crm.OpConsume, 422, "MEMBER_LOCKED")),
			crm.OpRelease: failFirst(99, rejected(crm.OpRelease, 422, "MEMBER_LOCKED")),
		},
		drive: whenAttention(workflows.UpdateResolve), want: workflows.StateResolved},
	// The reconciliation the Schedule runs: one activity, nothing settled.
	// Since the clients give a run's first search attributes at its start,
	// the run leaves out its FREEZING upsert when they are all there
	// (activities.Prepared.StartShown).
	{file: "v5_redemption_consumed_start_shown.json", workflow: workflows.RedemptionWorkflowName, input: redemptionRequest(), search: true,
		startShown: true, drive: decideWhenFrozen(workflows.UpdateConfirm), want: workflows.StateConsumed, decision: workflows.DecisionConfirm},
	{file: "v5_freeze_frozen_start_shown.json", workflow: workflows.FreezePointsWorkflowName, input: freezeRequest(), search: true, startShown: true},
	{file: "v4_reconcile.json", workflow: workflows.ReconcileWorkflowName, input: workflows.ReconcileRequest{EverySeconds: 60}},
}

// cancelThenAttention cancels once FROZEN (the release fails: the cancel
// hears ErrReleaseFailed), then sends each Update (retry, resolve) once the
// run waits in ATTENTION.
func cancelThenAttention(updates ...string) func(context.Context, client.Client, string) error {
	return func(ctx context.Context, c client.Client, id string) error {
		if err := decideWhenFrozen(workflows.UpdateCancel)(ctx, c, id); workflows.ErrorType(err) != workflows.ErrReleaseFailed {
			return errors.Join(errors.New("the cancel must hear ErrReleaseFailed"), err)
		}
		for _, u := range updates {
			var args []any
			if u == workflows.UpdateResolve {
				args = []any{workflows.ResolveRequest{Note: "released by hand", Identity: "ops@example"}}
			}
			h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: u, Args: args,
				WaitForStage: client.WorkflowUpdateStageCompleted})
			if err != nil {
				return err
			}
			var st workflows.RedemptionStatus
			if err := h.Get(ctx, &st); err != nil {
				return err
			}
		}
		return nil
	}
}

// whenAttention sends each Update (retry, resolve) once the run waits in
// ATTENTION (its status query answers then).
func whenAttention(updates ...string) func(context.Context, client.Client, string) error {
	return func(ctx context.Context, c client.Client, id string) error {
		for {
			v, err := c.QueryWorkflow(ctx, id, "", workflows.QueryStatus)
			var st workflows.RedemptionStatus
			if err == nil && v.Get(&st) == nil && st.State == workflows.StateAttention {
				break
			}
			select {
			case <-ctx.Done():
				return errors.Join(ctx.Err(), err)
			case <-time.After(100 * time.Millisecond):
			}
		}
		for _, u := range updates {
			var args []any
			if u == workflows.UpdateResolve {
				args = []any{workflows.ResolveRequest{Note: "settled by hand", Identity: "ops@example"}}
			}
			h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: u, Args: args,
				WaitForStage: client.WorkflowUpdateStageCompleted})
			if err != nil {
				return err
			}
			var st workflows.RedemptionStatus
			if err := h.Get(ctx, &st); err != nil {
				return err
			}
		}
		return nil
	}
}

// recordedFreeze is the freeze the settlement recordings settle: one that
// FreezePointsWorkflow returned under workflow ID "freeze-recorded".
func recordedFreeze() workflows.FreezeResult {
	f := frozenResult()
	f.WorkflowID = "freeze-recorded"
	f.FreezeToken = workflows.BusinessToken(f.WorkflowID, f.Step)
	return f
}

func settleRequest(points float64) workflows.SettleRequest {
	return workflows.SettleRequest{Freeze: recordedFreeze(), Points: points}
}

// seedFreeze gives the fake CRM the recorded freeze, as if it had frozen it.
func seedFreeze(f *fakeCRM) {
	fr := recordedFreeze()
	f.seed(crm.OpFreeze, fr.FreezeToken, crm.Request{MemberID: fr.MemberID, Description: fr.Description, Points: fr.Points,
		MemberType: fr.MemberType, ChannelType: fr.ChannelType, PointBizType: fr.PointBizType}, func() error {
		f.freezes[fr.FreezeToken] = &freezeRow{amount: crm.Hundredths(fr.Points)}
		return nil
	})
}

func redemptionWith(edit func(*workflows.RedemptionRequest)) workflows.RedemptionRequest {
	r := redemptionRequest()
	edit(&r)
	return r
}

func freezeWithTimeout(timeoutSeconds int64) workflows.FreezeRequest {
	r := freezeRequest()
	r.TimeoutSeconds = timeoutSeconds
	return r
}

// decideWhenFrozen sends Update name (with args) once the redemption is FROZEN.
func decideWhenFrozen(name string, args ...any) func(context.Context, client.Client, string) error {
	return func(ctx context.Context, c client.Client, id string) error {
		if err := waitFrozen(ctx, c, id); err != nil {
			return err
		}
		handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   id,
			UpdateName:   name,
			Args:         args,
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return err
		}
		var answer workflows.RedemptionStatus
		return handle.Get(ctx, &answer)
	}
}

// cancelWhenFrozen cancels the workflow once the redemption is FROZEN.
func cancelWhenFrozen(ctx context.Context, c client.Client, id string) error {
	if err := waitFrozen(ctx, c, id); err != nil {
		return err
	}
	return c.CancelWorkflow(ctx, id, "")
}

func waitFrozen(ctx context.Context, c client.Client, id string) error {
	for {
		v, err := c.QueryWorkflow(ctx, id, "", workflows.QueryStatus)
		var st workflows.RedemptionStatus
		if err == nil && v.Get(&st) == nil && st.State == workflows.StateFrozen {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Every shape the recorder knows is replayed, and every replayed file has a
// recorder, so that a newcomer can record it again.
func TestEveryRecordingIsReplayed(t *testing.T) {
	t.Parallel()
	var recorded, replayed []string
	for _, r := range recordings {
		recorded = append(recorded, r.file)
		if r.next != "" {
			recorded = append(recorded, r.next)
		}
	}
	for _, h := range histories {
		replayed = append(replayed, h.file)
	}
	require.ElementsMatch(t, recorded, replayed)
}
