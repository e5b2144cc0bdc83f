package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"
)

// updateHandle is an Update handle whose Get answers st, or err, or, with
// block, waits until its context ends.
func updateHandle(st RedemptionStatus, err error, block bool) *mocks.WorkflowUpdateHandle {
	h := &mocks.WorkflowUpdateHandle{}
	h.On("RunID").Return("run-1").Maybe()
	h.On("WorkflowID").Return(st.WorkflowID).Maybe()
	call := h.On("Get", mock.Anything, mock.Anything)
	switch {
	case block:
		call.Run(func(args mock.Arguments) { <-args.Get(0).(context.Context).Done() }).Return(context.DeadlineExceeded)
	case err != nil:
		call.Return(err)
	default:
		call.Run(func(args mock.Arguments) { *args.Get(1).(*RedemptionStatus) = st }).Return(nil)
	}
	return h
}

// statusValue is the answer of a status query.
func statusValue(st RedemptionStatus) *mocks.Value {
	v := &mocks.Value{}
	v.On("Get", mock.Anything).Run(func(args mock.Arguments) { *args.Get(0).(*RedemptionStatus) = st }).Return(nil)
	return v
}

func TestDecideBy(t *testing.T) {
	t.Parallel()
	const id = "redeem-1"
	consumed := RedemptionStatus{WorkflowID: id, State: StateConsumed, Decision: DecisionConfirm}
	consuming := RedemptionStatus{WorkflowID: id, State: StateConsuming, Decision: DecisionConfirm}
	refusal := func(state State) error {
		return temporal.NewNonRetryableApplicationError("cannot confirm: redemption is "+string(state), ErrNotFrozen, nil,
			RedemptionStatus{WorkflowID: id, State: state})
	}
	type sent struct {
		updateID string
		stage    client.WorkflowUpdateStage
	}
	tests := []struct {
		name     string
		answerBy time.Duration // 0: wait for the end, as Decide
		// answers are the UpdateWorkflow answers in turn: a handle or an error.
		answers   []any
		query     *RedemptionStatus
		want      State
		wantErr   string
		wantSends []sent
	}{
		{
			name:      "the final status",
			answers:   []any{updateHandle(consumed, nil, false)},
			want:      StateConsumed,
			wantSends: []sent{{UpdateConfirm, client.WorkflowUpdateStageCompleted}},
		},
		{
			name:    "Internal on the fixed Update ID: sent once more under a fresh one",
			answers: []any{serviceerror.NewInternal("update registry"), updateHandle(consumed, nil, false)},
			want:    StateConsumed,
			wantSends: []sent{{UpdateConfirm, client.WorkflowUpdateStageCompleted},
				{UpdateConfirm + "#", client.WorkflowUpdateStageCompleted}},
		},
		{
			name:    "Internal under the fresh ID too: returned",
			answers: []any{serviceerror.NewInternal("update registry"), serviceerror.NewInternal("update registry")},
			wantErr: "update registry",
			wantSends: []sent{{UpdateConfirm, client.WorkflowUpdateStageCompleted},
				{UpdateConfirm + "#", client.WorkflowUpdateStageCompleted}},
		},
		{
			name:    "refused while FREEZING: sent again",
			answers: []any{updateHandle(RedemptionStatus{}, refusal(StateFreezing), false), updateHandle(consumed, nil, false)},
			want:    StateConsumed,
			wantSends: []sent{{UpdateConfirm, client.WorkflowUpdateStageCompleted},
				{UpdateConfirm, client.WorkflowUpdateStageCompleted}},
		},
		{
			name:      "refused once decided otherwise: returned",
			answers:   []any{updateHandle(RedemptionStatus{}, refusal(StateReleasing), false)},
			wantErr:   "redemption is RELEASING",
			wantSends: []sent{{UpdateConfirm, client.WorkflowUpdateStageCompleted}},
		},
		{
			name:      "a deadline: the final status when it ends in time",
			answerBy:  time.Minute,
			answers:   []any{updateHandle(consumed, nil, false)},
			want:      StateConsumed,
			wantSends: []sent{{UpdateConfirm, client.WorkflowUpdateStageAccepted}},
		},
		{
			name:      "a deadline: accepted, still consuming, the status on the way",
			answerBy:  50 * time.Millisecond,
			answers:   []any{updateHandle(RedemptionStatus{WorkflowID: id}, nil, true)},
			query:     &consuming,
			want:      StateConsuming,
			wantSends: []sent{{UpdateConfirm, client.WorkflowUpdateStageAccepted}},
		},
		{
			name:     "a deadline: Internal on the fixed Update ID, sent under a fresh one",
			answerBy: time.Minute,
			answers:  []any{serviceerror.NewInternal("update registry"), updateHandle(consumed, nil, false)},
			want:     StateConsumed,
			wantSends: []sent{{UpdateConfirm, client.WorkflowUpdateStageAccepted},
				{UpdateConfirm + "#", client.WorkflowUpdateStageAccepted}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c := &mocks.Client{}
			var sends []sent
			for _, a := range tt.answers {
				call := c.On("UpdateWorkflow", mock.Anything, mock.Anything).Once().Run(func(args mock.Arguments) {
					o := args.Get(1).(client.UpdateWorkflowOptions)
					require.Equal(t, id, o.WorkflowID)
					require.Equal(t, UpdateConfirm, o.UpdateName)
					sends = append(sends, sent{o.UpdateID, o.WaitForStage})
				})
				if err, ok := a.(error); ok {
					call.Return(nil, err)
				} else {
					call.Return(a.(*mocks.WorkflowUpdateHandle), nil)
				}
			}
			if tt.query != nil {
				c.On("QueryWorkflow", mock.Anything, id, "", QueryStatus).Return(statusValue(*tt.query), nil).Once()
			}
			var answerBy time.Time
			if tt.answerBy != 0 {
				answerBy = time.Now().Add(tt.answerBy)
			}
			st, _, err := DecideBy(ctx, c, id, UpdateConfirm, 0, answerBy)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
				require.Equal(t, tt.want, st.State)
			}
			require.Len(t, sends, len(tt.wantSends))
			for i, w := range tt.wantSends {
				require.Equal(t, w.stage, sends[i].stage, "send %d", i)
				if strings.HasSuffix(w.updateID, "#") {
					require.True(t, strings.HasPrefix(sends[i].updateID, w.updateID) && len(sends[i].updateID) > len(w.updateID),
						"send %d has a fresh Update ID: %q", i, sends[i].updateID)
					continue
				}
				require.Equal(t, w.updateID, sends[i].updateID, "send %d", i)
			}
			c.AssertExpectations(t)
		})
	}
}

func TestDecideByStopsRetryingWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	c := &mocks.Client{}
	refused := temporal.NewNonRetryableApplicationError("cannot cancel: redemption is FREEZING", ErrNotFrozen, nil,
		RedemptionStatus{WorkflowID: "redeem-2", State: StateFreezing})
	c.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(updateHandle(RedemptionStatus{}, refused, false), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, _, err := DecideBy(ctx, c, "redeem-2", UpdateCancel, 0, time.Now().Add(5*time.Second))
	st, ok := Refusal(err)
	require.True(t, ok, "the last refusal is returned: %v", err)
	require.Equal(t, StateFreezing, st.State)
	require.True(t, errors.Is(ctx.Err(), context.DeadlineExceeded))
	require.Greater(t, len(c.Calls), 1, "sent again while FREEZING")
}
