package pointsnexus

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/workflows"
)

func TestWorkflowIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, caller, key, want, problem string
	}{
		{name: "order ID", caller: "orders", key: "1001", want: "orders/%s1001"},
		{name: "any printable identifier", caller: "orders", key: "shop-7/订单_42.a", want: "orders/%sshop-7/订单_42.a"},
		{name: "Cloud namespace", caller: "orders.a2dd6", key: "1", want: "orders.a2dd6/%s1"},
		{name: "a slash in a namespace stays in its part", caller: "a/b", key: "c", want: "a%%2Fb/%sc"},
		{name: "longest", caller: "orders", key: strings.Repeat("k", MaxKeyLength), want: "orders/%s" + strings.Repeat("k", MaxKeyLength)},
		{name: "no caller", caller: "", key: "1001", problem: "caller's namespace is required"},
		{name: "empty", caller: "orders", key: "", problem: "key is required"},
		{name: "too long", caller: "orders", key: strings.Repeat("k", MaxKeyLength+1), problem: "at most 200"},
		{name: "space", caller: "orders", key: "order 1", problem: "spaces or control characters"},
		{name: "newline", caller: "orders", key: "order\n1", problem: "spaces or control characters"},
		{name: "NUL", caller: "orders", key: "order\x001", problem: "spaces or control characters"},
		{name: "invalid UTF-8", caller: "orders", key: "order\xff", problem: "not valid UTF-8"},
		{name: "right-to-left override", caller: "orders", key: "order-\u202e2481", problem: "invisible or direction-changing characters"},
		{name: "zero-width space", caller: "orders", key: "order\u200b-1", problem: "invisible or direction-changing characters"},
		{name: "byte order mark", caller: "orders", key: "\ufefforder-1", problem: "invisible or direction-changing characters"},
		{name: "hangul filler", caller: "orders", key: "order-1\u3164", problem: "invisible or direction-changing characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for kind, id := range map[string]func(string, string) (string, error){
				"freeze-": FreezeWorkflowID, "redeem-": RedemptionWorkflowID,
			} {
				got, err := id(tc.caller, tc.key)
				if tc.problem != "" {
					require.ErrorContains(t, err, tc.problem)
					require.Empty(t, got)
					continue
				}
				require.NoError(t, err)
				want := IDPrefix + strings.Replace(tc.want, "%s", kind, 1)
				want = strings.ReplaceAll(want, "%%", "%")
				require.Equal(t, want, got)
				require.True(t, IsServiceID(got))
				require.True(t, startedByService(got))
			}
			settle, err := SettleWorkflowID(tc.caller, tc.key)
			if tc.problem != "" {
				require.Error(t, err)
				return
			}
			freeze, _ := FreezeWorkflowID(tc.caller, tc.key)
			require.Equal(t, workflows.SettlementID(freeze), settle, "a Nexus freeze is settled under the one settlement ID of every freeze")
			require.True(t, startedByService(settle))
		})
	}
}

// TestIDSpaces shows that no two callers, and no starter, share an ID.
func TestIDSpaces(t *testing.T) {
	t.Parallel()
	ids := map[string]string{}
	for _, c := range []struct{ caller, key string }{
		{"orders", "x-1"}, {"orders-x", "1"}, {"orders", "1"}, {"orders/x", "1"}, {"orders", "x/1"}, {"orders%2Fx", "1"},
	} {
		id, err := RedemptionWorkflowID(c.caller, c.key)
		require.NoError(t, err)
		who := c.caller + " " + c.key
		require.NotContains(t, ids, id, "%s and %s share %s", ids[id], who, id)
		ids[id] = who
	}
	for _, starter := range []string{"redeem-1001", "freeze-1001", "settle-freeze-1001", "order-1001"} {
		require.False(t, IsServiceID(starter), starter)
		require.False(t, startedByService(starter), starter)
	}
}
