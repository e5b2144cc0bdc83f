package pointsnexus

import (
	"fmt"
	"testing"

	"github.com/nexus-rpc/sdk-go/nexus"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
)

func TestStartError(t *testing.T) {
	t.Parallel()
	exists := serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", "run-1")
	err := startError("redeem-1001", fmt.Errorf("start: %w", exists))
	var opErr *nexus.OperationError
	require.ErrorAs(t, err, &opErr)
	require.Equal(t, nexus.OperationStateFailed, opErr.State)
	require.Equal(t, ErrAlreadyStarted, ErrorType(opErr.Cause))
	require.Contains(t, opErr.Message, "redeem-1001 already exists")

	other := serviceerror.NewUnavailable("frontend down")
	require.Same(t, other, startError("redeem-1001", other), "other errors pass through for the SDK to classify")
	require.NoError(t, startError("redeem-1001", nil))
}
