package sandbox

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

// A scripted fault meets exactly the next request of its operation: a lost
// answer after the commit, or a refusal with nothing applied; then the
// ledger answers as ever (here: the replay of the first freeze).
func TestScriptedFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script []ScriptedFault
		status int // of the second request's error
	}{
		{"lost then 401", []ScriptedFault{{Op: crm.OpFreeze, Kind: ScriptFailAfter}, {Op: crm.OpFreeze, Kind: ScriptRefuse, Status: 401}}, 401},
		{"lost then 409", []ScriptedFault{{Op: crm.OpFreeze, Kind: ScriptFailAfter}, {Op: crm.OpFreeze, Kind: ScriptRefuse, Status: 409}}, 409},
		{"lost then 403", []ScriptedFault{{Op: crm.OpFreeze, Kind: ScriptFailAfter}, {Op: crm.OpFreeze, Kind: ScriptRefuse, Status: 403}}, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			h.grant("m", 10)
			require.NoError(t, h.srv.Script(ScriptedFault{Op: crm.OpConsume, Kind: ScriptRefuse, Status: 500}))
			require.NoError(t, h.srv.Script(tc.script...))
			require.Equal(t, 3, h.srv.ScriptPending())

			_, err := h.call(crm.OpFreeze, "tok-1", request("m", 4, ""))
			require.Equal(t, crm.ClassTransient, crmError(t, err).Class, "the first answer is lost")
			require.Equal(t, 4.0, h.balance("m").Frozen, "but it was applied")

			_, err = h.call(crm.OpFreeze, "tok-1", request("m", 4, ""))
			require.Equal(t, tc.status, crmError(t, err).Status)

			res, err := h.call(crm.OpFreeze, "tok-1", request("m", 4, ""))
			require.NoError(t, err)
			require.True(t, res.Replayed)
			require.Equal(t, 4.0, h.balance("m").Frozen, "one effect")
			require.Equal(t, 1, h.srv.ScriptPending(), "the consume's fault waits for a consume")
			h.checkInvariants()
		})
	}
}

func TestScriptValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	tests := []struct {
		fault ScriptedFault
		want  string
	}{
		{ScriptedFault{Op: "refund", Kind: ScriptFailAfter}, `op "refund" is not freeze, release or consume`},
		{ScriptedFault{Op: crm.OpFreeze, Kind: "explode"}, `kind "explode" is not fail_after or refuse`},
		{ScriptedFault{Op: crm.OpFreeze, Kind: ScriptRefuse, Status: 200}, "status 200 of a refusal must be 3xx, 4xx or 5xx"},
		{ScriptedFault{Op: crm.OpFreeze, Kind: ScriptFailAfter, Status: 401}, "status is for refuse only"},
	}
	for _, tc := range tests {
		require.ErrorContains(t, h.srv.Script(ScriptedFault{Op: crm.OpFreeze, Kind: ScriptFailAfter}, tc.fault), tc.want)
	}
	require.Zero(t, h.srv.ScriptPending(), "an invalid list is refused whole")

	resp, err := http.Post(h.http.URL+"/sandbox/faults/script", "application/json",
		bytes.NewReader([]byte(`[{"op":"freeze","kind":"refuse","status":401}]`)))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"pending":1}`, string(readAll(t, resp)))
	resp, err = http.Post(h.http.URL+"/sandbox/faults/script", "application/json", bytes.NewReader([]byte(`[{"op":"x"}]`)))
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	_ = readAll(t, resp)
}
