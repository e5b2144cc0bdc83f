package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

func TestBusinessTokenIsFixed(t *testing.T) {
	t.Parallel()
	// Pinned (UUIDv5 computed independently): a change here means every in-flight redemption gets new tokens
	// and its points can be frozen twice.
	require.Equal(t, "be950249-6b64-5c27-91ad-234854a23f4d", workflows.BusinessToken("redeem-order-1", workflows.StepFreeze))
	tokens := map[string]bool{}
	for _, id := range []string{"redeem-order-1", "redeem-order-2"} {
		for _, step := range []string{workflows.StepFreeze, workflows.StepRelease, workflows.StepConsume, "freeze/2"} {
			tok := workflows.BusinessToken(id, step)
			require.NoError(t, crm.ValidateToken(tok))
			require.Equal(t, tok, workflows.BusinessToken(id, step))
			require.False(t, tokens[tok], "token of %s/%s repeats another", id, step)
			tokens[tok] = true
		}
	}
}

// The token depends only on the workflow ID and the step, not on the
// attempt. (That a new run of the same ID sends the same token needs a real
// server, where a run has its own ID: tests/faults
// TestNewRunOfTheSameWorkflowIDSendsTheSameToken.)
func TestTokenDependsOnlyOnWorkflowIDAndStep(t *testing.T) {
	t.Parallel()
	freezeTokens := func(workflowID string) []string {
		h := newHarness(t, workflowID, map[string]func(int) error{crm.OpFreeze: failFirst(2, transient(crm.OpFreeze))})
		st, err := h.redeem(redemptionRequest())
		require.NoError(t, err)
		calls := h.crm.calls(crm.OpFreeze)
		require.Len(t, calls, 3, "fails twice, then succeeds")
		require.Equal(t, []string{calls[0], calls[0], calls[0]}, calls, "every attempt sends the same token")
		require.Equal(t, workflows.BusinessToken(workflowID, workflows.StepFreeze), calls[0])
		require.Equal(t, calls[0], st.FreezeToken)
		return calls
	}
	require.NotEqual(t, freezeTokens("redeem-a")[0], freezeTokens("redeem-b")[0], "another workflow ID sends another token")
}
