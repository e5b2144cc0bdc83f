package sandbox

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

func TestRepeatReplaysTheFirstAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.grant("m1", 100)
	_, err := h.call(crm.OpFreeze, "tok-f", request("m1", 50, ""))
	require.NoError(t, err)

	for _, op := range []string{crm.OpFreeze, crm.OpConsume, crm.OpRelease} {
		token, req := "tok-"+op, request("m1", 5, "tok-f")
		if op == crm.OpFreeze {
			token, req = "tok-f2", request("m1", 5, "")
		}
		first, err := h.call(op, token, req)
		require.NoError(t, err, op)
		after := h.balance("m1")
		for range 3 {
			again, err := h.call(op, token, req)
			require.NoError(t, err, op)
			require.True(t, again.Replayed, op)
			require.JSONEq(t, string(first.Data), string(again.Data), op)
			require.Equal(t, first.Code, again.Code, op)
		}
		require.Equal(t, after, h.balance("m1"), "%s: a repeat has no second effect", op)
		require.Len(t, h.entries(token), 1, op)
		require.Equal(t, int64(3), h.srv.Stats().Calls[op][outcomeReplayed], op)
	}
	h.checkInvariants()
}

func TestSameBodyInAnotherShapeIsARepeat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.grant("m1", 100)
	first := []byte(`{"memberId":"m1","description":"d","channelType":"WECHAT","memberType":"aupres","pointBizType":"POINT","idempotentMode":1,"point":5}`)
	// Same fields: other order, other whitespace, 5.0 for 5, an unknown field.
	second := []byte(" {\n\"point\": 5.0, \"idempotentMode\": 1, \"pointBizType\": \"POINT\", \"memberType\": \"aupres\",\n" +
		"\"channelType\": \"WECHAT\", \"description\": \"d\", \"memberId\": \"m1\", \"extra\": [1, 2]}\n")
	status, hdr, env1 := h.post(crm.DefaultFreezePath, "tok-shape", first)
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, hdr.Get(crm.HeaderReplayed))
	status, hdr, env2 := h.post(crm.DefaultFreezePath, "tok-shape", second)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "true", hdr.Get(crm.HeaderReplayed))
	require.Equal(t, string(env1.raw), string(env2.raw))
	require.Equal(t, 95.0, h.balance("m1").Available)
}

func TestSameTokenOtherRequestIsAConflict(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.grant("m1", 100)
	_, err := h.call(crm.OpFreeze, "tok-f", request("m1", 10, ""))
	require.NoError(t, err)
	_, err = h.call(crm.OpFreeze, "tok-rejected", request("m1", 1000, ""))
	require.Equal(t, CodePointNotEnough, crmError(t, err).Code)

	tests := []struct {
		name, op, token string
		req             crm.Request
	}{
		{"freeze with other points", crm.OpFreeze, "tok-f", request("m1", 11, "")},
		{"freeze with another description", crm.OpFreeze, "tok-f", crm.Request{MemberID: "m1", Description: "other", Points: 10}},
		{"freeze with a shop code added", crm.OpFreeze, "tok-f", crm.Request{MemberID: "m1", Description: "test redemption", Points: 10, ShopCode: "S1"}},
		{"release under the freeze's token", crm.OpRelease, "tok-f", request("m1", 10, "tok-f")},
		{"consume under the freeze's token", crm.OpConsume, "tok-f", request("m1", 10, "tok-f")},
		{"other body under a rejected token", crm.OpFreeze, "tok-rejected", request("m1", 1, "")},
	}
	for _, tc := range tests {
		before := h.balance("m1")
		_, err := h.call(tc.op, tc.token, tc.req)
		e := crmError(t, err)
		require.Equal(t, http.StatusConflict, e.Status, tc.name)
		require.Equal(t, crm.ClassRejected, e.Class, tc.name)
		require.Equal(t, CodeConflict, e.Code, tc.name)
		require.Equal(t, before, h.balance("m1"), tc.name)
	}
	require.Len(t, h.entries("tok-f"), 1)
	require.Empty(t, h.entries("tok-rejected"))
	rec, err := h.srv.Record(t.Context(), "tok-f")
	require.NoError(t, err)
	require.Equal(t, crm.OpFreeze, rec.Op)
	require.Equal(t, StatusApplied, rec.Status)
	require.Equal(t, int64(4), h.srv.Stats().Calls[crm.OpFreeze][outcomeConflict])
	require.Equal(t, int64(1), h.srv.Stats().Calls[crm.OpRelease][outcomeConflict])
	h.checkInvariants()
}
