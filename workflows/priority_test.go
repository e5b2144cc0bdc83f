package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

func TestTaskPriorities(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("s", 80)
	tests := []struct {
		name string
		got  temporal.Priority
		want temporal.Priority
	}{
		{"freeze: the cashier's", freezeOptions(time.Minute, "freeze", "shop-7").Priority, temporal.Priority{PriorityKey: 1, FairnessKey: "shop-7"}},
		{"settlement: behind", settleOptions("release", "shop-7").Priority, temporal.Priority{PriorityKey: 4, FairnessKey: "shop-7"}},
		{"no shop: the default fairness key", settleOptions("consume", "").Priority, temporal.Priority{PriorityKey: 4}},
		{"a long shop code is cut to the server's 64 bytes", freezeOptions(time.Minute, "freeze", long).Priority,
			temporal.Priority{PriorityKey: 1, FairnessKey: long[:64]}},
		// 21 three-byte characters: the 22nd would end past byte 64.
		{"a long shop code is cut between characters", settleOptions("release", strings.Repeat("店", 30)).Priority,
			temporal.Priority{PriorityKey: 4, FairnessKey: strings.Repeat("店", 21)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.got)
		})
	}
	require.Less(t, PriorityCashier, 3, "ahead of tasks without a key")
	require.Greater(t, PrioritySettlement, 3, "behind tasks without a key")
	require.LessOrEqual(t, PrioritySettlement, 5, "within the server's default levels")
}
