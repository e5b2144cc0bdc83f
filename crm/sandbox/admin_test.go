package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

// admin calls the admin API and decodes a 200 answer into out.
func (h *harness) admin(method, path, body string, out any) int {
	h.t.Helper()
	req, err := http.NewRequest(method, h.http.URL+path, bytes.NewBufferString(body))
	require.NoError(h.t, err)
	resp, err := h.client.HTTPClient.Do(req)
	require.NoError(h.t, err)
	raw := readAll(h.t, resp)
	if resp.StatusCode == http.StatusOK && out != nil {
		require.NoError(h.t, json.Unmarshal(raw, out), "%s", raw)
	}
	return resp.StatusCode
}

func TestAdminAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)

	var b Balance
	require.Equal(t, http.StatusOK, h.admin("POST", "/sandbox/members", `{"memberId":"m1","points":100}`, &b))
	require.Equal(t, Balance{MemberID: "m1", MemberType: crm.DefaultMemberType, Available: 100, Granted: 100}, b)
	require.Equal(t, http.StatusOK, h.admin("POST", "/sandbox/members", `{"memberId":"m1","memberType":"aupres","points":0.5}`, &b))
	require.Equal(t, 100.5, b.Available)
	require.Equal(t, http.StatusBadRequest, h.admin("POST", "/sandbox/members", `{"memberId":"m1","points":-1}`, nil))
	require.Equal(t, http.StatusBadRequest, h.admin("POST", "/sandbox/members", `{"memberId":"m1","memberType":"GMYB","points":1}`, nil))
	require.Equal(t, http.StatusBadRequest, h.admin("POST", "/sandbox/members", `{"points":"many"}`, nil))

	b = Balance{}
	require.Equal(t, http.StatusOK, h.admin("GET", "/sandbox/members/m1", "", &b))
	require.Equal(t, 100.5, b.Granted)
	require.Equal(t, http.StatusNotFound, h.admin("GET", "/sandbox/members/nobody", "", nil))

	_, err := h.call(crm.OpFreeze, "tok-f", request("m1", 30, ""))
	require.NoError(t, err)
	var tv tokenView
	require.Equal(t, http.StatusOK, h.admin("GET", "/sandbox/tokens/tok-f", "", &tv))
	require.NotNil(t, tv.Record)
	require.Equal(t, StatusApplied, tv.Record.Status)
	require.Equal(t, crm.OpFreeze, tv.Record.Op)
	require.Len(t, tv.Entries, 1)
	require.Equal(t, 30.0, tv.Entries[0].Points)
	tv = tokenView{}
	require.Equal(t, http.StatusOK, h.admin("GET", "/sandbox/tokens/tok-unknown", "", &tv))
	require.Nil(t, tv.Record)
	require.Empty(t, tv.Entries)

	var fs []Freeze
	require.Equal(t, http.StatusOK, h.admin("GET", "/sandbox/freezes", "", &fs))
	require.Equal(t, []Freeze{{Token: "tok-f", MemberID: "m1", Points: 30, Remaining: 30}}, fs)

	var f Faults
	require.Equal(t, http.StatusOK, h.admin("PUT", "/sandbox/faults", `{"release":{"tooMany":0.25}}`, &f))
	require.Equal(t, http.StatusOK, h.admin("GET", "/sandbox/faults", "", &f))
	require.Equal(t, 0.25, f.Release.TooMany)
	require.Equal(t, 0.25, h.srv.Faults().Release.TooMany)

	var st Stats
	require.Equal(t, http.StatusOK, h.admin("GET", "/sandbox/stats", "", &st))
	require.Equal(t, int64(1), st.Calls[crm.OpFreeze][outcomeApplied])

	var ok checkResult
	require.Equal(t, http.StatusOK, h.admin("GET", "/sandbox/check", "", &ok))
	require.True(t, ok.OK)
	corrupt(t, h.srv, `UPDATE members SET consumed = 1 WHERE member_id = 'm1'`)
	require.Equal(t, http.StatusInternalServerError, h.admin("GET", "/sandbox/check", "", nil))

	var demo []Balance
	require.Equal(t, http.StatusOK, h.admin("POST", "/sandbox/demo", "", &demo))
	require.Len(t, demo, len(DemoMembers))
	require.Equal(t, 1.0, demo[len(demo)-1].Available)

	require.Equal(t, http.StatusNotFound, h.admin("GET", "/sandbox/nothing", "", nil))
	require.Equal(t, http.StatusMethodNotAllowed, h.admin("DELETE", "/sandbox/faults", "", nil))
}

func TestSignedBalanceQuery(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) {
		c.Callers[testService] = Caller{Secret: testSecret, MemberTypes: []string{crm.DefaultMemberType, "GMYB"}}
	})
	h.grant("m1", 100)
	_, err := h.call(crm.OpFreeze, "tok-f", request("m1", 40, ""))
	require.NoError(t, err)

	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"balances", `{"memberId":"m1","memberType":"aupres"}`, http.StatusOK, CodeSuccess},
		{"unknown member", `{"memberId":"nobody","memberType":"aupres"}`, http.StatusNotFound, CodeMemberNotFound},
		{"other member type", `{"memberId":"m1","memberType":"GMYB"}`, http.StatusNotFound, CodeMemberNotFound},
		{"type not allowed", `{"memberId":"m1","memberType":"VIP"}`, http.StatusForbidden, CodeForbidden},
		{"memberType missing", `{"memberId":"m1"}`, http.StatusBadRequest, CodeBadRequest},
	}
	for _, tc := range tests {
		status, _, env := h.post(DefaultBalancePath, "", []byte(tc.body))
		require.Equal(t, tc.status, status, tc.name)
		require.Equal(t, tc.code, env.Code, tc.name)
		if status == http.StatusOK {
			var b Balance
			require.NoError(t, json.Unmarshal(env.Data, &b))
			require.Equal(t, Balance{MemberID: "m1", MemberType: crm.DefaultMemberType, Available: 60, Frozen: 40, Granted: 100}, b)
		}
	}
	req, err := http.NewRequest(http.MethodPost, h.http.URL+DefaultBalancePath, bytes.NewBufferString(tests[0].body))
	require.NoError(t, err)
	resp, err := h.client.HTTPClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "unsigned")
}
