package sandbox

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

func TestOperationsMoveBalances(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.grant("m1", 100)

	steps := []struct {
		name, op, token, freezeToken     string
		points                           float64
		available, frozen, consumed, rem float64
	}{
		{"freeze", crm.OpFreeze, "tok-freeze", "", 30.5, 69.5, 30.5, 0, 0},
		{"consume part", crm.OpConsume, "tok-consume", "tok-freeze", 10.25, 69.5, 20.25, 10.25, 20.25},
		{"release rest", crm.OpRelease, "tok-release", "tok-freeze", 20.25, 89.75, 0, 10.25, 0},
	}
	for _, st := range steps {
		res, err := h.call(st.op, st.token, request("m1", st.points, st.freezeToken))
		require.NoError(t, err, st.name)
		require.Equal(t, http.StatusOK, res.Status, st.name)
		require.Equal(t, CodeSuccess, res.Code, st.name)
		require.False(t, res.Replayed, st.name)
		d := opResult(t, res)
		require.Equal(t, "m1", d.MemberID, st.name)
		require.Equal(t, st.token, d.Token, st.name)
		require.Equal(t, st.points, d.Point, st.name)
		require.Equal(t, []float64{st.available, st.frozen, st.consumed}, []float64{d.Available, d.Frozen, d.Consumed}, st.name)
		if st.op != crm.OpFreeze {
			require.NotNil(t, d.Remaining, st.name)
			require.Equal(t, st.rem, *d.Remaining, st.name)
		}
		es := h.entries(st.token)
		require.Len(t, es, 1, st.name)
		require.Equal(t, st.op, es[0].Op, st.name)
		require.Equal(t, st.points, es[0].Points, st.name)
		require.Equal(t, st.freezeToken, es[0].FreezeToken, st.name)
	}
	require.Equal(t, Balance{MemberID: "m1", MemberType: crm.DefaultMemberType, Available: 89.75, Consumed: 10.25, Granted: 100}, h.balance("m1"))
	fs, err := h.srv.Freezes(t.Context())
	require.NoError(t, err)
	require.Equal(t, []Freeze{{Token: "tok-freeze", MemberID: "m1", Points: 30.5, Released: 20.25, Consumed: 10.25}}, fs)
	h.checkInvariants()

	st := h.srv.Stats()
	for _, op := range []string{crm.OpFreeze, crm.OpRelease, crm.OpConsume} {
		require.Equal(t, int64(1), st.Calls[op][outcomeApplied], op)
	}
}

func TestBusinessRejectionsAreStoredAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, op, freezeToken string
		points                float64
		wantCode              string
	}{
		{"freeze more than available", crm.OpFreeze, "", 101, CodePointNotEnough},
		{"release of an unknown freeze", crm.OpRelease, "tok-never", 1, CodeFreezeNotFound},
		{"consume of an unknown freeze", crm.OpConsume, "tok-never", 1, CodeFreezeNotFound},
		{"consume of another member's freeze", crm.OpConsume, "tok-other-freeze", 1, CodeFreezeNotFound},
		{"consume more than frozen", crm.OpConsume, "tok-own-freeze", 10.01, CodeFreezeNotEnough},
		{"release more than frozen", crm.OpRelease, "tok-own-freeze", 11, CodeFreezeNotEnough},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			h.grant("m1", 100)
			h.grant("m2", 100)
			_, err := h.call(crm.OpFreeze, "tok-own-freeze", request("m1", 10, ""))
			require.NoError(t, err)
			_, err = h.call(crm.OpFreeze, "tok-other-freeze", request("m2", 10, ""))
			require.NoError(t, err)
			before := h.balance("m1")

			_, err = h.call(tc.op, "tok-under-test", request("m1", tc.points, tc.freezeToken))
			e := crmError(t, err)
			require.Equal(t, crm.ClassRejected, e.Class)
			require.Equal(t, http.StatusOK, e.Status)
			require.Equal(t, tc.wantCode, e.Code)
			require.NotEmpty(t, e.Message)
			require.Equal(t, before, h.balance("m1"))
			require.Empty(t, h.entries("tok-under-test"))

			rec, err := h.srv.Record(t.Context(), "tok-under-test")
			require.NoError(t, err)
			require.NotNil(t, rec)
			require.Equal(t, StatusRejected, rec.Status)

			// The rejection is the stored answer: a repeat gets it again even
			// once the member could afford it.
			h.grant("m1", 1000)
			status, hdr, env := h.post(map[string]string{crm.OpFreeze: crm.DefaultFreezePath, crm.OpRelease: crm.DefaultReleasePath, crm.OpConsume: crm.DefaultConsumePath}[tc.op],
				"tok-under-test", mustJSON(t, h.wireBody(tc.op, request("m1", tc.points, tc.freezeToken))))
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, "true", hdr.Get(crm.HeaderReplayed))
			require.Equal(t, tc.wantCode, env.Code)
			require.Empty(t, h.entries("tok-under-test"))
			require.Equal(t, int64(1), h.srv.Stats().Calls[tc.op]["rejected:"+tc.wantCode])
			h.checkInvariants()
		})
	}
}

func TestUnknownMemberIs404(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.grant("m1", 100)
	tests := []struct {
		name string
		req  crm.Request
	}{
		{"unknown member", request("nobody", 1, "")},
		{"member of another memberType", crm.Request{MemberID: "m1", Description: "x", Points: 1, MemberType: "GMYB"}},
	}
	for _, tc := range tests {
		_, err := h.client.Freeze(t.Context(), "tok-404", tc.req)
		e := crmError(t, err)
		require.Equal(t, http.StatusNotFound, e.Status, tc.name)
		require.Equal(t, crm.ClassRejected, e.Class, tc.name)
		require.Equal(t, CodeMemberNotFound, e.Code, tc.name)
	}
	rec, err := h.srv.Record(t.Context(), "tok-404")
	require.NoError(t, err)
	require.Nil(t, rec, "a 404 is not stored")
	require.Equal(t, 100.0, h.balance("m1").Available)
}

func TestSeedDemoCreatesOnlyAbsentMembers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	require.NoError(t, h.srv.SeedDemo(t.Context()))
	_, err := h.call(crm.OpFreeze, "tok-demo", request("demo-member-1", 100, ""))
	require.NoError(t, err)
	require.NoError(t, h.srv.SeedDemo(t.Context()))
	require.Equal(t, 900.0, h.balance("demo-member-1").Available)
	require.Equal(t, 1000.0, h.balance("demo-member-2").Granted)
	require.Equal(t, 1.0, h.balance("demo-member-poor").Available)
	_, err = h.call(crm.OpFreeze, "tok-poor", request("demo-member-poor", 2, ""))
	require.Equal(t, CodePointNotEnough, crmError(t, err).Code)
	h.checkInvariants()
}

func TestGrantRejectsBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.grant("m1", 0)
	require.Equal(t, 0.0, h.balance("m1").Granted)
	tests := []struct {
		name, member, memberType string
		points                   float64
	}{
		{"no member", "", "", 1},
		{"negative", "m2", "", -1},
		{"three decimals", "m2", "", 1.001},
		{"other memberType than the member's", "m1", "GMYB", 1},
		{"above the cap", "m1", "", crm.MaxPoints + 1},
		{"above the cap in all", "rich", "", 1},
	}
	_, err := h.srv.Grant(t.Context(), "rich", "", crm.MaxPoints)
	require.NoError(t, err)
	for _, tc := range tests {
		_, err := h.srv.Grant(t.Context(), tc.member, tc.memberType, tc.points)
		var bad *inputError
		require.ErrorAs(t, err, &bad, tc.name)
	}
	h.checkInvariants()
}

// wireBody renders req as the client would send it for op.
func (h *harness) wireBody(op string, req crm.Request) crm.Body {
	h.t.Helper()
	b, err := h.client.BuildBody(op, req)
	require.NoError(h.t, err)
	return b
}
