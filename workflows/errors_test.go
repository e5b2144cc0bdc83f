package workflows_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/workflows"
)

func TestErrorTypeAndReason(t *testing.T) {
	t.Parallel()
	notFrozen := temporal.NewNonRetryableApplicationError("cannot confirm: redemption is RELEASED", workflows.ErrNotFrozen, nil)
	// The SDK wraps a sync Nexus operation's failure in an "OperationError".
	wrapped := temporal.NewNonRetryableApplicationError("operation failed", "OperationError", notFrozen)
	timeout := temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, nil)
	rejected := temporal.NewNonRetryableApplicationError("crm freeze: rejected: HTTP 200: POINT_NOT_ENOUGH", activities.ErrCRMRejected, nil)
	for _, tc := range []struct {
		name        string
		err         error
		typ, reason string
	}{
		{name: "plain error", err: errors.New("boom"), reason: "boom"},
		{name: "direct", err: notFrozen, typ: workflows.ErrNotFrozen, reason: "cannot confirm: redemption is RELEASED"},
		{name: "under wrappers", err: fmt.Errorf("confirm: %w", rejected), typ: activities.ErrCRMRejected,
			reason: "crm freeze: rejected: HTTP 200: POINT_NOT_ENOUGH"},
		{name: "under the SDK's Nexus wrapper", err: fmt.Errorf("nexus operation: %w", wrapped), typ: workflows.ErrNotFrozen,
			reason: "cannot confirm: redemption is RELEASED"},
		{name: "the wrapper alone", err: temporal.NewNonRetryableApplicationError("x", "OperationError", nil), reason: "x"},
		{name: "a timeout, its own text", err: fmt.Errorf("activity: %w", timeout), reason: timeout.Error()},
		{name: "a cancellation", err: fmt.Errorf("activity: %w", temporal.NewCanceledError()), reason: "cancelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.typ, workflows.ErrorType(tc.err))
			require.Equal(t, tc.reason, workflows.Reason(tc.err))
		})
	}
	require.Empty(t, workflows.ErrorType(nil))
}
