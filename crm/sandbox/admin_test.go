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
	req.Header.Set("Content-Type", "application/json")
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

// TestAdminAPIRefusesWhoDoesNotBelong: a web page on another site (a form
// or text/plain POST, a fetch with its Origin), a page whose name was
// rebound to the sandbox's address, and what the admin token admits.
func TestAdminAPIRefusesWhoDoesNotBelong(t *testing.T) {
	t.Parallel()
	const grant = `{"memberId":"m1","points":100}`
	tests := []struct {
		name        string
		token       string // the sandbox's admin token
		method      string
		path        string
		contentType string
		host        string // "" the sandbox's own 127.0.0.1:port
		origin      string
		auth        string
		want        int
	}{
		{"a cross-site form post", "", "POST", "/sandbox/members", "application/x-www-form-urlencoded", "", "https://evil.example", "", http.StatusForbidden},
		{"a cross-site text/plain post", "", "POST", "/sandbox/faults/script", "text/plain", "", "https://evil.example", "", http.StatusForbidden},
		{"same origin but text/plain", "", "POST", "/sandbox/members", "text/plain", "", "", "", http.StatusUnsupportedMediaType},
		{"same origin, no content type", "", "PUT", "/sandbox/faults", "", "", "", "", http.StatusUnsupportedMediaType},
		{"a cross-site JSON fetch (after a refused preflight)", "", "POST", "/sandbox/members", "application/json", "", "https://evil.example", "", http.StatusForbidden},
		{"a page rebound to the sandbox's address", "", "POST", "/sandbox/members", "application/json", "evil.example:8088", "http://evil.example:8088", "", http.StatusForbidden},
		{"a rebound page reading a balance", "", "GET", "/sandbox/members/m1", "", "evil.example:8088", "", "", http.StatusForbidden},
		{"a wrong admin token from afar", "t0k", "POST", "/sandbox/members", "application/json", "sandbox.internal:8088", "", "Bearer t0K", http.StatusForbidden},
		{"the admin token from afar", "t0k", "POST", "/sandbox/members", "application/json", "sandbox.internal:8088", "", "Bearer t0k", http.StatusOK},
		{"the admin token still needs JSON", "t0k", "POST", "/sandbox/members", "text/plain", "sandbox.internal:8088", "", "Bearer t0k", http.StatusUnsupportedMediaType},
		{"a tool on this machine (no Origin)", "", "POST", "/sandbox/members", "application/json; charset=utf-8", "", "", "", http.StatusOK},
		{"the sandbox's own origin", "", "POST", "/sandbox/members", "application/json", "", "own", "", http.StatusOK},
		{"localhost", "", "GET", "/sandbox/members/m1", "", "localhost:8088", "", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) { c.AdminToken = tt.token })
			req, err := http.NewRequest(tt.method, h.http.URL+tt.path, bytes.NewBufferString(grant))
			require.NoError(t, err)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			switch tt.origin {
			case "own":
				req.Header.Set("Origin", h.http.URL)
			case "":
			default:
				req.Header.Set("Origin", tt.origin)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := h.client.HTTPClient.Do(req)
			require.NoError(t, err)
			raw := readAll(t, resp)
			require.Equal(t, tt.want, resp.StatusCode, "%s", raw)
			if tt.want == http.StatusForbidden || tt.want == http.StatusUnsupportedMediaType {
				b, err := h.srv.Balance(t.Context(), "m1")
				require.ErrorIs(t, err, ErrUnknownMember, "nothing granted: %v", b)
			}
		})
	}
}
