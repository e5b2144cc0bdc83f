package pointsnexus

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nexus-rpc/sdk-go/nexus"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/workflows"
)

func TestErrorType(t *testing.T) {
	t.Parallel()
	notFrozen := temporal.NewNonRetryableApplicationError("cannot confirm: redemption is RELEASED", workflows.ErrNotFrozen, nil)
	// The SDK wraps a sync operation's failure in an "OperationError".
	wrapped := temporal.NewNonRetryableApplicationError("operation failed", operationErrorType, notFrozen)
	for _, tc := range []struct {
		name       string
		err        error
		typ, first string
	}{
		{name: "nil", err: nil},
		{name: "plain error", err: errors.New("boom")},
		{name: "direct", err: notFrozen, typ: workflows.ErrNotFrozen, first: "cannot confirm: redemption is RELEASED"},
		{name: "under the SDK's wrapper", err: fmt.Errorf("nexus operation: %w", wrapped), typ: workflows.ErrNotFrozen,
			first: "cannot confirm: redemption is RELEASED"},
		{name: "wrapper alone", err: temporal.NewNonRetryableApplicationError("x", operationErrorType, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.typ, ErrorType(tc.err))
			if tc.first != "" {
				require.Equal(t, tc.first, reason(tc.err))
			}
		})
	}
}

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
