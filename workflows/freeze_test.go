package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

func freezeRequest() workflows.FreezeRequest {
	return workflows.FreezeRequest{MemberID: "m-1", Points: 5, Description: "mug from the points mall"}
}

func TestFreezePointsWorkflow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		req     func(*workflows.FreezeRequest)
		script  map[string]func(int) error
		errType string
		errHas  string
		calls   map[string]int
		freeze  string
	}{
		{
			name:   "frozen",
			calls:  map[string]int{crm.OpFreeze: 1},
			freeze: "frozen",
		},
		{
			name:   "transient failures retried",
			script: map[string]func(int) error{crm.OpFreeze: failFirst(2, transient(crm.OpFreeze))},
			calls:  map[string]int{crm.OpFreeze: 3},
			freeze: "frozen",
		},
		{
			name:    "refused, and the release finds nothing frozen",
			script:  map[string]func(int) error{crm.OpFreeze: failFirst(99, rejected(crm.OpFreeze, 200, "MEMBER_NOT_FOUND"))},
			errType: activities.ErrCRMRejected,
			errHas:  "MEMBER_NOT_FOUND",
			calls:   map[string]int{crm.OpFreeze: 1, crm.OpRelease: 1},
		},
		{
			name:    "refused by the gateway: asked again until it answers, then released",
			script:  map[string]func(int) error{crm.OpFreeze: failFirst(3, rejected(crm.OpFreeze, 404, ""))},
			errType: workflows.ErrFreezeAbandoned,
			errHas:  "it was released",
			calls:   map[string]int{crm.OpFreeze: 4, crm.OpRelease: 1},
			freeze:  "released",
		},
		{
			name:    "negative timeout is invalid input",
			req:     func(r *workflows.FreezeRequest) { r.TimeoutSeconds = -5 },
			errType: activities.ErrInvalidInput,
			errHas:  "timeoutSeconds must not be negative",
			calls:   map[string]int{},
		},
		{
			name:    "timing out is undone",
			req:     func(r *workflows.FreezeRequest) { r.TimeoutSeconds = 5 },
			script:  map[string]func(int) error{crm.OpFreeze: failFirst(3, errLost)},
			errType: workflows.ErrFreezeAbandoned,
			errHas:  "it was released",
			calls:   map[string]int{crm.OpFreeze: 4, crm.OpRelease: 1},
			freeze:  "released",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, tc.script)
			req := freezeRequest()
			if tc.req != nil {
				tc.req(&req)
			}
			h.env.ExecuteWorkflow(workflows.FreezePointsWorkflowName, req)
			require.True(t, h.env.IsWorkflowCompleted())
			err := h.env.GetWorkflowError()
			if tc.errType != "" {
				require.Error(t, err)
				require.Equal(t, tc.errType, workflows.ErrorType(err))
				require.Contains(t, err.Error(), tc.errHas)
			} else {
				require.NoError(t, err)
				var res workflows.FreezeResult
				require.NoError(t, h.env.GetWorkflowResult(&res))
				require.Equal(t, frozenResult(), res)
			}
			for _, op := range []string{crm.OpFreeze, crm.OpRelease, crm.OpConsume} {
				calls := h.crm.calls(op)
				require.Len(t, calls, tc.calls[op], op)
				for _, tok := range calls {
					require.Equal(t, token(op), tok)
				}
			}
			require.Equal(t, tc.freeze, h.crm.state(token(workflows.StepFreeze)))
		})
	}
}

// Another team's Go workflow uses the step as a function.
func TestFreezePointsFromAnotherWorkflow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "checkout-42", nil)
	h.env.RegisterWorkflowWithOptions(func(ctx workflow.Context, req workflows.FreezeRequest) (string, error) {
		res, err := workflows.FreezePoints(ctx, req)
		return res.FreezeToken, err
	}, workflow.RegisterOptions{Name: "Checkout"})
	h.env.ExecuteWorkflow("Checkout", freezeRequest())
	require.NoError(t, h.env.GetWorkflowError())
	var tok string
	require.NoError(t, h.env.GetWorkflowResult(&tok))
	require.Equal(t, workflows.BusinessToken("checkout-42", workflows.StepFreeze), tok)
	require.Equal(t, []string{tok}, h.crm.calls(crm.OpFreeze))
}

// frozenResult is what FreezePointsWorkflow returns for freezeRequest under testID.
func frozenResult() workflows.FreezeResult {
	return workflows.FreezeResult{
		WorkflowID: testID, Step: workflows.StepFreeze, MemberID: "m-1", Points: 5,
		FreezeToken: token(workflows.StepFreeze), Description: "mug from the points mall",
		Body: workflows.Body{MemberType: crm.DefaultMemberType, ChannelType: crm.DefaultChannelType, PointBizType: crm.DefaultPointBizType},
	}
}
