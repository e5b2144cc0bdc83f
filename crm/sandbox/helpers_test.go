package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

const (
	testService = "test-svc"
	testSecret  = "test-secret"
)

// harness is a sandbox behind a real HTTP server and a real crm.Client.
type harness struct {
	t      *testing.T
	srv    *Server
	http   *httptest.Server
	client *crm.Client
}

// newHarness starts a sandbox with one caller; mutate adjusts the config.
func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	cfg := Config{Callers: map[string]Caller{testService: {Secret: testSecret}}}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(cfg)
	require.NoError(t, err)
	hs := httptest.NewServer(s)
	transport := crm.NewTransport()
	t.Cleanup(func() {
		transport.CloseIdleConnections()
		hs.Close()
		require.NoError(t, s.Close())
	})
	return &harness{t: t, srv: s, http: hs, client: &crm.Client{
		BaseURL: hs.URL, ServiceName: testService, Secret: testSecret,
		HTTPClient: &http.Client{Transport: transport}, Timeout: 10 * time.Second,
	}}
}

// grant seeds a member of the default member type.
func (h *harness) grant(member string, points float64) {
	h.t.Helper()
	_, err := h.srv.Grant(context.Background(), member, "", points)
	require.NoError(h.t, err)
}

func (h *harness) balance(member string) Balance {
	h.t.Helper()
	b, err := h.srv.Balance(context.Background(), member)
	require.NoError(h.t, err)
	return b
}

func (h *harness) entries(token string) []Entry {
	h.t.Helper()
	es, err := h.srv.Entries(context.Background(), token)
	require.NoError(h.t, err)
	return es
}

func (h *harness) checkInvariants() {
	h.t.Helper()
	require.NoError(h.t, h.srv.CheckInvariants(context.Background()))
}

// call runs one operation through the client.
func (h *harness) call(op, token string, req crm.Request) (crm.Result, error) {
	ctx := context.Background()
	switch op {
	case crm.OpFreeze:
		return h.client.Freeze(ctx, token, req)
	case crm.OpRelease:
		return h.client.Release(ctx, token, req)
	case crm.OpConsume:
		return h.client.Consume(ctx, token, req)
	}
	h.t.Fatalf("unknown op %q", op)
	return crm.Result{}, nil
}

// post sends a raw body to path, signed as the test caller.
func (h *harness) post(path, token string, body []byte) (int, http.Header, envelopeView) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.http.URL+path, bytes.NewReader(body))
	require.NoError(h.t, err)
	signRequest(req, testService, testSecret, time.Now())
	if token != "" {
		req.Header.Set(crm.HeaderBusinessToken, token)
	}
	resp, err := h.client.HTTPClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return resp.StatusCode, resp.Header, parseView(h.t, raw)
}

// signRequest sets the gateway headers on req for its URL path.
func signRequest(req *http.Request, service, secret string, at time.Time) {
	ts := crm.FormatTimestamp(at)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(crm.HeaderCallerService, service)
	req.Header.Set(crm.HeaderCallerTime, ts)
	if gp, err := crm.SplitPath(req.URL.Path); err == nil {
		req.Header.Set(crm.HeaderCallerSign, crm.Sign(service, secret, ts, gp))
	} else {
		req.Header.Set(crm.HeaderCallerSign, "UNSIGNABLE")
	}
}

// envelopeView is an answer body as a test reads it.
type envelopeView struct {
	Success bool            `json:"success"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
	raw     []byte
}

func parseView(t *testing.T, raw []byte) envelopeView {
	t.Helper()
	var v envelopeView
	require.NoError(t, json.Unmarshal(raw, &v), "body %s", raw)
	v.raw = raw
	return v
}

// validBody is a freeze, release or consume body as a map a test can break.
func validBody(member string, points float64, freezeToken string) map[string]any {
	b := map[string]any{
		"memberId": member, "description": "test redemption", "channelType": "WECHAT",
		"memberType": crm.DefaultMemberType, "pointBizType": "POINT", "idempotentMode": 1, "point": points,
	}
	if freezeToken != "" {
		b["freezeToken"] = freezeToken
	}
	return b
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// request is a client request for member.
func request(member string, points float64, freezeToken string) crm.Request {
	return crm.Request{MemberID: member, Description: "test redemption", Points: points, FreezeToken: freezeToken}
}

// opResult decodes a success answer's data.
func opResult(t *testing.T, res crm.Result) opData {
	t.Helper()
	var d opData
	require.NoError(t, json.Unmarshal(res.Data, &d))
	return d
}

// crmError asserts err is a *crm.Error and returns it.
func crmError(t *testing.T, err error) *crm.Error {
	t.Helper()
	var e *crm.Error
	require.True(t, errors.As(err, &e), "want *crm.Error, got %v", err)
	return e
}

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

func ptr[T any](v T) *T { return &v }
