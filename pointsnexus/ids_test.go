package pointsnexus

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWorkflowIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, key, want, problem string
	}{
		{name: "order ID", key: "1001", want: "1001"},
		{name: "any printable identifier", key: "shop-7/订单_42.a", want: "shop-7/订单_42.a"},
		{name: "longest", key: strings.Repeat("k", MaxKeyLength), want: strings.Repeat("k", MaxKeyLength)},
		{name: "empty", key: "", problem: "key is required"},
		{name: "too long", key: strings.Repeat("k", MaxKeyLength+1), problem: "at most 200"},
		{name: "space", key: "order 1", problem: "spaces or control characters"},
		{name: "newline", key: "order\n1", problem: "spaces or control characters"},
		{name: "NUL", key: "order\x001", problem: "spaces or control characters"},
		{name: "invalid UTF-8", key: "order\xff", problem: "not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for prefix, id := range map[string]func(string) (string, error){
				"freeze-": FreezeWorkflowID, "redeem-": RedemptionWorkflowID, "settle-": SettleWorkflowID,
			} {
				got, err := id(tc.key)
				if tc.problem != "" {
					require.ErrorContains(t, err, tc.problem)
					require.Empty(t, got)
					continue
				}
				require.NoError(t, err)
				require.Equal(t, prefix+tc.want, got)
			}
		})
	}
}
