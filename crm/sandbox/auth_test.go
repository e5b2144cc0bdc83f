package sandbox

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

func TestBadSignatureOrTimestampIs401(t *testing.T) {
	t.Parallel()
	fixed := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := newHarness(t, func(c *Config) { c.Now = func() time.Time { return fixed } })
	h.grant("m1", 100)
	body := mustJSON(t, validBody("m1", 5, ""))

	tests := []struct {
		name  string
		build func(r *http.Request)
	}{
		{"missing service", func(r *http.Request) { r.Header.Del(crm.HeaderCallerService) }},
		{"missing timestamp", func(r *http.Request) { r.Header.Del(crm.HeaderCallerTime) }},
		{"missing sign", func(r *http.Request) { r.Header.Del(crm.HeaderCallerSign) }},
		{"unknown service", func(r *http.Request) { signRequest(r, "intruder", testSecret, fixed) }},
		{"wrong secret", func(r *http.Request) { signRequest(r, testService, "guess", fixed) }},
		{"sign of another path", func(r *http.Request) {
			signRequest(r, testService, testSecret, fixed)
			p, _ := crm.SplitPath(crm.DefaultReleasePath)
			r.Header.Set(crm.HeaderCallerSign, crm.Sign(testService, testSecret, r.Header.Get(crm.HeaderCallerTime), p))
		}},
		{"timestamp changed after signing", func(r *http.Request) {
			signRequest(r, testService, testSecret, fixed)
			r.Header.Set(crm.HeaderCallerTime, crm.FormatTimestamp(fixed.Add(time.Second)))
		}},
		{"stale timestamp", func(r *http.Request) { signRequest(r, testService, testSecret, fixed.Add(-5*time.Minute-time.Second)) }},
		{"future timestamp", func(r *http.Request) { signRequest(r, testService, testSecret, fixed.Add(5*time.Minute+time.Second)) }},
		{"timestamp in another format", func(r *http.Request) {
			r.Header.Set(crm.HeaderCallerTime, fixed.Format(time.RFC3339))
		}},
	}
	for _, tc := range tests {
		req, err := http.NewRequest(http.MethodPost, h.http.URL+crm.DefaultFreezePath, bytes.NewReader(body))
		require.NoError(t, err)
		signRequest(req, testService, testSecret, fixed)
		req.Header.Set(crm.HeaderBusinessToken, "tok-401")
		tc.build(req)
		resp, err := h.client.HTTPClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, tc.name)
	}
	require.Equal(t, 100.0, h.balance("m1").Available)
	require.Empty(t, h.entries("tok-401"))
	require.Equal(t, int64(len(tests)), h.srv.Stats().Calls[crm.OpFreeze][outcomeUnauthorized])

	// Within the skew, the real client gets through; its clock 6 minutes off does not.
	h.client.Now = func() time.Time { return fixed.Add(-4 * time.Minute) }
	_, err := h.call(crm.OpFreeze, "tok-ok", request("m1", 1, ""))
	require.NoError(t, err)
	h.client.Now = func() time.Time { return fixed.Add(-6 * time.Minute) }
	_, err = h.call(crm.OpFreeze, "tok-stale", request("m1", 1, ""))
	e := crmError(t, err)
	require.Equal(t, http.StatusUnauthorized, e.Status)
	require.Equal(t, crm.ClassRejected, e.Class)
	h.client.Now, h.client.Secret = nil, "wrong"
	_, err = h.call(crm.OpFreeze, "tok-secret", request("m1", 1, ""))
	require.Equal(t, http.StatusUnauthorized, crmError(t, err).Status)
}

func TestMemberTypeNotAllowedIs403(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) {
		c.Callers = map[string]Caller{testService: {Secret: testSecret, MemberTypes: []string{"GMYB"}}}
	})
	h.grant("m1", 100)
	_, err := h.call(crm.OpFreeze, "tok-403", request("m1", 1, ""))
	e := crmError(t, err)
	require.Equal(t, http.StatusForbidden, e.Status)
	require.Equal(t, CodeForbidden, e.Code)
	require.Empty(t, h.entries("tok-403"))
	require.Equal(t, int64(1), h.srv.Stats().Calls[crm.OpFreeze][outcomeForbidden])

	// The allowed type passes authorization (and then finds no such member).
	h.client.MemberType = "GMYB"
	_, err = h.call(crm.OpFreeze, "tok-gmyb", request("m1", 1, ""))
	require.Equal(t, http.StatusNotFound, crmError(t, err).Status)
}
