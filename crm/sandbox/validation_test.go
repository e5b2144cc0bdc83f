package sandbox

import (
	"bytes"
	"cmp"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

func TestBadFieldIs400NamingIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.grant("m1", 100)
	_, err := h.call(crm.OpFreeze, "tok-f", request("m1", 10, ""))
	require.NoError(t, err)

	set := func(k string, v any) func(map[string]any) { return func(b map[string]any) { b[k] = v } }
	del := func(k string) func(map[string]any) { return func(b map[string]any) { delete(b, k) } }
	keep := func(map[string]any) {}
	validJSON := string(mustJSON(t, validBody("m1", 1, "")))

	tests := []struct {
		name   string
		op     string               // crm.OpFreeze when empty
		change func(map[string]any) // applied to a valid body
		raw    *string              // sent instead of the body when set
		token  *string              // X-Business-Token; "tok-400" when nil
		want   string               // in the message
	}{
		{name: "memberId missing", change: del("memberId"), want: "memberId"},
		{name: "memberId blank", change: set("memberId", "  "), want: "memberId"},
		{name: "memberId a number", change: set("memberId", 7), want: "memberId"},
		{name: "description missing", change: del("description"), want: "description"},
		{name: "description too long", change: set("description", strings.Repeat("积", 256)), want: "description"},
		{name: "channelType missing", change: del("channelType"), want: "channelType"},
		{name: "memberType empty", change: set("memberType", ""), want: "memberType"},
		{name: "pointBizType missing", change: del("pointBizType"), want: "pointBizType"},
		{name: "idempotentMode missing", change: del("idempotentMode"), want: "idempotentMode"},
		{name: "idempotentMode 2", change: set("idempotentMode", 2), want: "idempotentMode"},
		{name: "idempotentMode a string", change: set("idempotentMode", "1"), want: "idempotentMode"},
		{name: "point missing", change: del("point"), want: "point"},
		{name: "point a string", change: set("point", "5"), want: "point"},
		{name: "point zero", change: set("point", 0), want: "point"},
		{name: "point negative", change: set("point", -1), want: "point"},
		{name: "point with 3 decimals", change: set("point", 1.005), want: "point"},
		{name: "point too big", change: set("point", 2e12), want: "point"},
		{name: "point null", change: set("point", nil), want: "point"},
		{name: "freezeToken missing on release", op: crm.OpRelease, change: del("freezeToken"), want: "freezeToken"},
		{name: "freezeToken missing on consume", op: crm.OpConsume, change: del("freezeToken"), want: "freezeToken"},
		{name: "freezeToken with a space", op: crm.OpConsume, change: set("freezeToken", "tok f"), want: "freezeToken"},
		{name: "business token missing", change: keep, token: ptr(""), want: crm.HeaderBusinessToken},
		{name: "business token too long", change: keep, token: ptr(strings.Repeat("x", crm.MaxTokenLength+1)), want: crm.HeaderBusinessToken},
		{name: "business token with a space", change: keep, token: ptr("tok bad"), want: crm.HeaderBusinessToken},
		{name: "empty body", raw: ptr(""), want: "body"},
		{name: "not JSON", raw: ptr("{memberId: m1}"), want: "JSON"},
		{name: "an array", raw: ptr("[1, 2]"), want: "object"},
		{name: "trailing data", raw: ptr(validJSON + " {}"), want: "after"},
	}
	paths := map[string]string{crm.OpFreeze: crm.DefaultFreezePath, crm.OpRelease: crm.DefaultReleasePath, crm.OpConsume: crm.DefaultConsumePath}
	for _, tc := range tests {
		op := cmp.Or(tc.op, crm.OpFreeze)
		var body []byte
		if tc.raw != nil {
			body = []byte(*tc.raw)
		} else {
			b := validBody("m1", 1, "tok-f")
			if op == crm.OpFreeze {
				delete(b, "freezeToken")
			}
			tc.change(b)
			body = mustJSON(t, b)
		}
		req, err := http.NewRequest(http.MethodPost, h.http.URL+paths[op], bytes.NewReader(body))
		require.NoError(t, err)
		signRequest(req, testService, testSecret, time.Now())
		if token := "tok-400"; tc.token == nil {
			req.Header.Set(crm.HeaderBusinessToken, token)
		} else if *tc.token != "" {
			req.Header.Set(crm.HeaderBusinessToken, *tc.token)
		}
		resp, err := h.client.HTTPClient.Do(req)
		require.NoError(t, err)
		raw := readAll(t, resp)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s: %s", tc.name, raw)
		env := parseView(t, raw)
		require.Equal(t, CodeBadRequest, env.Code, tc.name)
		require.Contains(t, env.Message, tc.want, tc.name)
	}
	require.Equal(t, 90.0, h.balance("m1").Available)
	require.Empty(t, h.entries("tok-400"))
	rec, err := h.srv.Record(t.Context(), "tok-400")
	require.NoError(t, err)
	require.Nil(t, rec, "a 400 is not stored")

	// A valid body under the same token still works: nothing was stored.
	status, _, env := h.post(crm.DefaultFreezePath, "tok-400", mustJSON(t, validBody("m1", 1, "")))
	require.Equal(t, http.StatusOK, status)
	require.True(t, env.Success)
}

func TestBodyOver64KiBIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.grant("m1", 100)
	b := validBody("m1", 1, "")
	b["padding"] = strings.Repeat("x", maxBodyBytes)
	status, _, env := h.post(crm.DefaultFreezePath, "tok-big", mustJSON(t, b))
	require.Equal(t, http.StatusRequestEntityTooLarge, status)
	require.Equal(t, CodeTooLarge, env.Code)
	require.Empty(t, h.entries("tok-big"))
}

func TestUnknownPathAndWrongMethod(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	status, _, env := h.post("/openapi/v2/member/nothing", "tok-x", mustJSON(t, validBody("m1", 1, "")))
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, CodeNotFound, env.Code)

	resp, err := h.client.HTTPClient.Get(h.http.URL + crm.DefaultFreezePath)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	require.Equal(t, http.MethodPost, resp.Header.Get("Allow"))
}
