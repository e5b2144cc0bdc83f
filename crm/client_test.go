package crm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const testToken = "0b5f1c1e-6c1a-5d7e-9b7a-3f1f4b2c9d10"

var fixedNow = time.Date(2015, 1, 1, 4, 20, 11, 0, time.UTC) // 12:20:11 in GMT+8

func validRequest() Request {
	return Request{MemberID: "1c8c34ff77dd4c5a9573644b9d6eecd9", Description: "微信渠道积分冻结", Points: 5, ShopCode: "GMYB", MemberType: "GMYB"}
}

// testClient returns a client of srv whose clock is fixed at the time of the signing test vectors (docs/crm.md).
func testClient(srv *httptest.Server) *Client {
	return &Client{BaseURL: srv.URL, ServiceName: "demo-service", Secret: "secret123", HTTPClient: srv.Client(), Now: func() time.Time { return fixedNow }}
}

func TestBodyMatchesSpecExample(t *testing.T) {
	t.Parallel()
	var c Client
	body, err := c.BuildBody(OpFreeze, validRequest())
	require.NoError(t, err)
	got, err := json.Marshal(body)
	require.NoError(t, err)
	// The vendor page's example body, field for field (point 5.0 is the JSON number 5).
	want := `{"memberId":"1c8c34ff77dd4c5a9573644b9d6eecd9","description":"微信渠道积分冻结","channelType":"WECHAT",
	 "memberType":"GMYB","shopCode":"GMYB","pointBizType":"POINT","idempotentMode":1,"point":5.0}`
	require.JSONEq(t, want, string(got))
}

func TestBodyDefaultsAndFreezeToken(t *testing.T) {
	t.Parallel()
	c := Client{MemberType: "aupres"}
	req := validRequest()
	req.ShopCode, req.MemberType, req.FreezeToken, req.Points = "", "", testToken, 12.5
	body, err := c.BuildBody(OpRelease, req)
	require.NoError(t, err)
	got, err := json.Marshal(body)
	require.NoError(t, err)
	require.NotContains(t, string(got), "shopCode", "an empty shop code is omitted")
	require.Contains(t, string(got), `"memberType":"aupres"`)
	require.Contains(t, string(got), `"freezeToken":"`+testToken+`"`)
	require.Contains(t, string(got), `"point":12.5`)

	req.FreezeToken = ""
	_, err = c.BuildBody(OpConsume, req)
	require.ErrorContains(t, err, "freezeToken")
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	var got http.Header
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, path = r.Header.Clone(), r.URL.Path
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	res, err := testClient(srv).Freeze(context.Background(), testToken, validRequest())
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, res.Status)
	require.Equal(t, DefaultFreezePath, path)
	require.Equal(t, testToken, got.Get(HeaderBusinessToken))
	require.Equal(t, "demo-service", got.Get(HeaderCallerService))
	require.Equal(t, "2015-01-01 12:20:11", got.Get(HeaderCallerTime))
	require.Equal(t, "B0D40DE7EDBB6F873A804B802AB1EC70", got.Get(HeaderCallerSign), "the first signing test vector of docs/crm.md")
	require.Equal(t, "application/json; charset=utf-8", got.Get("Content-Type"))
}

func TestValidationBeforeAnyCall(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	c := testClient(srv)
	mod := func(f func(*Request)) Request { r := validRequest(); f(&r); return r }
	tests := []struct {
		name  string
		token string
		req   Request
		field string
	}{
		{"no member", testToken, mod(func(r *Request) { r.MemberID = " " }), "memberId"},
		{"no description", testToken, mod(func(r *Request) { r.Description = "" }), "description"},
		{"description 256 runes", testToken, mod(func(r *Request) { r.Description = strings.Repeat("积", 256) }), "description"},
		{"description bad utf8", testToken, mod(func(r *Request) { r.Description = "\xff" }), "description"},
		{"zero points", testToken, mod(func(r *Request) { r.Points = 0 }), "point"},
		{"negative points", testToken, mod(func(r *Request) { r.Points = -1 }), "point"},
		{"three decimals", testToken, mod(func(r *Request) { r.Points = 1.005 }), "point"},
		{"too many points", testToken, mod(func(r *Request) { r.Points = 1e13 }), "point"},
		{"member with newline", testToken, mod(func(r *Request) { r.MemberID = "m-1\nm-2" }), "memberId must not contain control characters"},
		{"member with escape", testToken, mod(func(r *Request) { r.MemberID = "m\x1b[2J" }), "memberId must not contain control characters"},
		{"member with bidi override", testToken, mod(func(r *Request) { r.MemberID = "m\u202e1" }), "memberId must not contain control characters"},
		{"member 129 long", testToken, mod(func(r *Request) { r.MemberID = strings.Repeat("m", 129) }), "memberId is 129 characters long, at most 128"},
		{"shop with tab", testToken, mod(func(r *Request) { r.ShopCode = "s\t1" }), "shopCode must not contain control characters"},
		{"shop 256 long", testToken, mod(func(r *Request) { r.ShopCode = strings.Repeat("积", 256) }), "shopCode is 256 characters long, at most 255"},
		{"member type with newline", testToken, mod(func(r *Request) { r.MemberType = "aupres\n" }), "memberType must not contain control characters"},
		{"no token", "", validRequest(), "X-Business-Token"},
		{"token with space", "a b", validRequest(), "X-Business-Token"},
		{"token non-ascii", "积分", validRequest(), "X-Business-Token"},
		{"token 65 long", strings.Repeat("a", 65), validRequest(), "X-Business-Token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Freeze(context.Background(), tc.token, tc.req)
			if err != nil {
				require.NotContains(t, err.Error(), "\n", "the error stays on one line")
			}
			var ce *Error
			require.ErrorAs(t, err, &ce)
			require.Equal(t, ClassInvalid, ce.Class)
			require.Contains(t, err.Error(), tc.field)
		})
	}
	require.Zero(t, calls.Load(), "invalid input must never reach the CRM")
}

func TestValidationAccepts(t *testing.T) {
	t.Parallel()
	for _, p := range []float64{0.01, 1, 5.5, 99.99, 1e12} {
		require.NoError(t, ValidatePoints(p), p)
	}
	require.NoError(t, ValidateDescription(strings.Repeat("积", 255)))
	require.NoError(t, ValidateToken(strings.Repeat("~", 64)))
}

func TestErrorClassOfEveryStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		body   string
		class  Class // "" means success
		code   string
	}{
		{200, `{"success":true,"code":"SUCCESS","data":{"frozen":5}}`, "", "SUCCESS"},
		{201, `{"success":true}`, "", ""},
		{204, ``, "", ""},
		{200, ``, "", ""},
		{200, `{"code":0,"unknown":[1,2]}`, "", "0"},
		{200, `{"success":false,"code":"POINT_NOT_ENOUGH","message":"积分不足"}`, ClassRejected, "POINT_NOT_ENOUGH"},
		{200, `not json`, ClassTransient, ""},
		{200, `{"success":true} trailing`, ClassTransient, ""},
		{400, `{"success":false,"code":"BAD_REQUEST","message":"memberId"}`, ClassRejected, "BAD_REQUEST"},
		{401, ``, ClassRejected, ""},
		{403, `<html>Forbidden</html>`, ClassRejected, ""},
		{404, ``, ClassRejected, ""},
		{409, `{"success":false,"code":"TOKEN_CONFLICT"}`, ClassRejected, "TOKEN_CONFLICT"},
		{422, ``, ClassRejected, ""},
		{408, ``, ClassTransient, ""},
		{429, ``, ClassTransient, ""},
		{500, `<html>oops</html>`, ClassTransient, ""},
		{502, ``, ClassTransient, ""},
		{503, ``, ClassTransient, ""},
		{504, ``, ClassTransient, ""},
		{302, ``, ClassRejected, ""},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status)+"/"+tc.body, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.status == 302 {
					w.Header().Set("Location", "https://elsewhere.example/")
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			res, err := testClient(srv).Freeze(context.Background(), testToken, validRequest())
			if tc.class == "" {
				require.NoError(t, err)
				require.Equal(t, tc.status, res.Status)
				require.Equal(t, tc.code, res.Code)
				return
			}
			var ce *Error
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tc.class, ce.Class, err.Error())
			require.Equal(t, tc.status, ce.Status)
			require.Equal(t, tc.code, ce.Code)
			require.Equal(t, tc.class == ClassTransient, ce.Retryable())
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	for _, status := range []int{429, 503} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(status)
		}))
		_, err := testClient(srv).Freeze(context.Background(), testToken, validRequest())
		srv.Close()
		var ce *Error
		require.ErrorAs(t, err, &ce)
		require.Equal(t, 3*time.Second, ce.RetryAfter)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	require.Equal(t, 30*time.Second, ParseRetryAfter(now.Add(30*time.Second).Format(http.TimeFormat), now))
	require.Equal(t, 10*time.Minute, ParseRetryAfter("99999", now))
	require.Zero(t, ParseRetryAfter("soon", now))
	require.Zero(t, ParseRetryAfter("-4", now))
}

func TestUnknownOutcomeIsTransient(t *testing.T) {
	t.Parallel()
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) }) // runs before the servers' Close: the slow handler returns
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"connection cut", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		}},
		{"2xx body cut short", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"success":tr`)
		}},
		{"2xx body too large", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"success":true,"message":"`+strings.Repeat("x", MaxResponseBytes)+`"}`)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.handler)
			c := testClient(srv)
			c.Timeout = 200 * time.Millisecond
			_, err := c.Freeze(context.Background(), testToken, validRequest())
			var ce *Error
			require.ErrorAs(t, err, &ce)
			require.Equal(t, ClassTransient, ce.Class, err.Error())
			go srv.Close()
		})
	}
}

func TestConnectionRefusedIsTransient(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	c := &Client{BaseURL: "http://" + addr}
	_, err = c.Consume(context.Background(), testToken, Request{MemberID: "m", Description: "d", Points: 1, FreezeToken: testToken})
	var ce *Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, ClassTransient, ce.Class)
	require.Equal(t, OpConsume, ce.Op)
}

func TestEndpointsAndKeepAlive(t *testing.T) {
	t.Parallel()
	var paths []string
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		_, _ = io.WriteString(w, `{"success":true,"code":"SUCCESS"}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := &Client{BaseURL: srv.URL + "/", ReleasePath: "/gw/v9/member/release"}
	req := validRequest()
	req.FreezeToken = testToken
	ctx := context.Background()
	for range 3 {
		_, err := c.Freeze(ctx, testToken, req)
		require.NoError(t, err)
		_, err = c.Release(ctx, testToken, req)
		require.NoError(t, err)
		_, err = c.Consume(ctx, testToken, req)
		require.NoError(t, err)
	}
	require.Equal(t, []string{DefaultFreezePath, "/gw/v9/member/release", DefaultConsumePath}, paths[:3])
	require.EqualValues(t, 1, conns.Load(), "sequential calls must reuse one kept-alive connection")
}

func TestSecretNeverLogged(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-DO-NOT-LOG"
	core, logs := observer.New(zapcore.DebugLevel)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	c := testClient(srv)
	c.Secret, c.Logger = secret, zap.New(core)
	_, err := c.Freeze(context.Background(), testToken, validRequest())
	require.Error(t, err)
	_, err = c.Freeze(context.Background(), "", validRequest())
	require.Error(t, err)
	require.NotContains(t, err.Error(), secret)
	require.NotZero(t, logs.Len(), "the calls were logged")
	for _, e := range logs.All() {
		line, jerr := json.Marshal(e.ContextMap())
		require.NoError(t, jerr)
		require.NotContains(t, e.Message+string(line), secret)
	}
}

func TestErrorIsInspectable(t *testing.T) {
	t.Parallel()
	cause := errors.New("boom")
	err := error(&Error{Class: ClassTransient, Op: OpFreeze, Err: cause})
	require.ErrorIs(t, err, cause)
	require.Equal(t, "crm freeze: transient: boom", err.Error())
	full := &Error{Class: ClassRejected, Op: OpConsume, Status: 200, Code: "POINT_NOT_ENOUGH", Message: "积分不足"}
	require.Equal(t, "crm consume: rejected: HTTP 200: POINT_NOT_ENOUGH: 积分不足", full.Error())
}

// What the CRM says is outside input: it reaches errors, logs, the Web UI
// and the starter's output on one line, bounded, whatever the CRM sends.
func TestCRMWordsAreBoundedAndOnOneLine(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("积分不足\n\x1b[31m", 40000) // just under 1 MiB once JSON-escaped
	tests := []struct {
		name    string
		status  int
		header  http.Header
		body    string
		maxLen  int
		message string // the start of the kept message
	}{
		{"1 MiB message on a refusal", 400, nil, `{"success":false,"code":"BAD","message":"` + strings.ReplaceAll(strings.ReplaceAll(huge, "\n", `\n`), "\x1b", `\u001b`) + `"}`, MaxMessageChars, "积分不足 [31m积分不足"},
		{"multi-line message on a business refusal", 200, nil, `{"success":false,"code":"POINT_NOT_ENOUGH","message":"line one\nline two\r\n\u202eevil"}`, MaxMessageChars, "line one line two evil"},
		{"huge code", 409, nil, `{"success":false,"code":"` + strings.Repeat("C", 5000) + `"}`, MaxCodeChars, ""},
		{"huge Location", 302, http.Header{"Location": {"https://elsewhere.example/" + strings.Repeat("a\r\n", 100000)}}, ``, 300, "unexpected redirect to https://elsewhere.example/a a a"},
		{"html error page", 403, nil, "<html>\n<body>" + strings.Repeat("Forbidden ", 10000) + "</body></html>", 200, "<html> <body>Forbidden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header()[k] = v
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := testClient(srv).Freeze(context.Background(), testToken, validRequest())
			var ce *Error
			require.ErrorAs(t, err, &ce)
			require.Equal(t, ClassRejected, ce.Class)
			for _, s := range []string{ce.Message, ce.Code, err.Error()} {
				require.NotContains(t, s, "\n")
				require.NotContains(t, s, "\r")
				require.NotContains(t, s, "\x1b")
				require.NotContains(t, s, "\u202e")
			}
			require.LessOrEqual(t, len([]rune(ce.Message)), tc.maxLen+50, "message %d characters", len([]rune(ce.Message)))
			require.LessOrEqual(t, len([]rune(ce.Code)), MaxCodeChars)
			require.Less(t, len(err.Error()), 1200, "the whole error stays a few hundred characters")
			require.True(t, strings.HasPrefix(ce.Message, tc.message), "message starts %q", ce.Message[:min(len(ce.Message), 80)])
		})
	}
}
