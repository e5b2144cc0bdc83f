package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/workflows"
)

func TestSummaries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, got, want string
	}{
		{"redemption", workflows.RedemptionSummary(workflows.RedemptionRequest{MemberID: "m-1", Points: 5, Description: "mug"}),
			"redeem 5 points for member m-1: mug"},
		{"fractional points, one line", workflows.RedemptionSummary(workflows.RedemptionRequest{MemberID: "m-2", Points: 2.5, Description: "tea\n  set"}),
			"redeem 2.5 points for member m-2: tea set"},
		{"freeze", workflows.FreezeSummary(workflows.FreezeRequest{MemberID: "m-1", Points: 0.25, Description: "gift"}),
			"freeze 0.25 points of member m-1: gift"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, tc.got)
		})
	}
}
