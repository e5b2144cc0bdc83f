package faults

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

// answer writes one canned CRM answer.
func answer(status int, contentType, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

const htmlPage = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"

// TestBadCRMAnswers puts an httptest server in front of the real crm.Client
// and activities: every answer the CRM should never give is a clear, typed
// Temporal error, retryable exactly when the outcome is unknown; invalid
// input never reaches the server.
func TestBadCRMAnswers(t *testing.T) {
	noGoroutineLeak(t)
	valid := activities.Input{Token: workflows.BusinessToken("bad-crm", workflows.StepFreeze), MemberID: "m-1", Points: 10, Description: "bad answers"}
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		in       func(activities.Input) activities.Input
		wantType string
		wantMsg  string
		calls    int64
	}{
		{name: "malformed JSON", handler: answer(200, "application/json", `{"success": true, "code": "SUCC`),
			wantType: activities.ErrCRMTransient, wantMsg: "not a JSON envelope", calls: 1},
		{name: "wrong types in the envelope", handler: answer(200, "application/json", `{"success": "yes", "code": 7, "message": ["x"]}`),
			wantType: activities.ErrCRMTransient, wantMsg: "envelope", calls: 1},
		{name: "JSON array instead of an object", handler: answer(200, "application/json", `[1,2,3]`),
			wantType: activities.ErrCRMTransient, wantMsg: "envelope", calls: 1},
		{name: "trailing garbage", handler: answer(200, "application/json", `{"success":true}{"success":false}`),
			wantType: activities.ErrCRMTransient, wantMsg: "trailing data", calls: 1},
		{name: "huge 200 body", handler: answer(200, "application/json", `{"success":true,"message":"`+strings.Repeat("x", 3<<20)+`"}`),
			wantType: activities.ErrCRMTransient, wantMsg: "larger than", calls: 1},
		{name: "huge 500 body", handler: answer(500, "text/plain", strings.Repeat("boom ", 1<<20)),
			wantType: activities.ErrCRMTransient, wantMsg: "500", calls: 1},
		{name: "HTML error page 502", handler: answer(502, "text/html", htmlPage),
			wantType: activities.ErrCRMTransient, wantMsg: "502", calls: 1},
		{name: "HTML page with 200", handler: answer(200, "text/html", htmlPage),
			wantType: activities.ErrCRMTransient, wantMsg: "not a JSON envelope", calls: 1},
		{name: "HTML login page 403", handler: answer(403, "text/html", htmlPage),
			wantType: activities.ErrCRMRefused, wantMsg: "403", calls: 1},
		{name: "302 redirect", handler: answer(302, "", "", "Location", "https://sso.example.com/login"),
			wantType: activities.ErrCRMRefused, wantMsg: "redirect", calls: 1},
		{name: "301 without Location", handler: answer(301, "", ""),
			wantType: activities.ErrCRMRefused, wantMsg: "redirect", calls: 1},
		{name: "307 redirect is not followed", handler: answer(307, "", "", "Location", "/elsewhere"),
			wantType: activities.ErrCRMRefused, wantMsg: "redirect", calls: 1},
		{name: "success false with an unknown code", handler: answer(200, "application/json", `{"success":false,"code":"WAT","message":"no"}`),
			wantType: activities.ErrCRMRefused, wantMsg: "WAT", calls: 1},
		{name: "429 with a garbage Retry-After", handler: answer(429, "application/json", `{"success":false,"code":"TOO_MANY"}`, "Retry-After", "soon-ish"),
			wantType: activities.ErrCRMTransient, wantMsg: "429", calls: 1},
		{name: "1 MiB message on a refusal", handler: answer(400, "application/json", `{"success":false,"code":"BAD","message":"`+strings.Repeat("积分不足 ", 1<<16)+`"}`),
			wantType: activities.ErrCRMRefused, wantMsg: "BAD: 积分不足 积分不足", calls: 1},
		{name: "multi-line message with escapes", handler: answer(422, "application/json", `{"success":false,"code":"LOCKED","message":"line one\nline two\r\n\u001b[2J\u202eevil"}`),
			wantType: activities.ErrCRMRefused, wantMsg: "LOCKED: line one line two [2J evil", calls: 1},
		{name: "huge Location", handler: answer(302, "", "", "Location", "https://sso.example.com/"+strings.Repeat("a", 1<<16)),
			wantType: activities.ErrCRMRefused, wantMsg: "redirect to https://sso.example.com/aaa", calls: 1},
		{name: "invalid input: negative points", in: func(in activities.Input) activities.Input { in.Points = -1; return in },
			wantType: activities.ErrInvalidInput, wantMsg: "point"},
		{name: "invalid input: 300-char description", in: func(in activities.Input) activities.Input { in.Description = strings.Repeat("d", 300); return in },
			wantType: activities.ErrInvalidInput, wantMsg: "description"},
		{name: "invalid input: bad token", in: func(in activities.Input) activities.Input { in.Token = "not a token\n"; return in },
			wantType: activities.ErrInvalidInput, wantMsg: "X-Business-Token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if tc.handler != nil {
					tc.handler(w, r)
				}
			}))
			transport := crm.NewTransport()
			defer func() { srv.Close(); transport.CloseIdleConnections() }()
			a := &activities.Activities{CRM: &crm.Client{BaseURL: srv.URL, ServiceName: "svc", Secret: "secret",
				HTTPClient: &http.Client{Transport: transport}, Timeout: 5 * time.Second}}
			in := valid
			if tc.in != nil {
				in = tc.in(in)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := a.Freeze(ctx, in)
			require.Error(t, err)
			var appErr *temporal.ApplicationError
			require.True(t, errors.As(err, &appErr), "a Temporal ApplicationError, got %T: %v", err, err)
			require.Equal(t, tc.wantType, appErr.Type(), "%v", err)
			require.Equal(t, tc.wantType == activities.ErrCRMTransient, !appErr.NonRetryable(), "retryable exactly when the outcome is unknown")
			require.Contains(t, err.Error(), tc.wantMsg)
			require.NotContains(t, err.Error(), "\n", "one line")
			require.NotContains(t, err.Error(), "\x1b", "no terminal escapes")
			require.Less(t, len(err.Error()), 2000, "the message is bounded: %.200s", err.Error())
			require.Equal(t, tc.calls, calls.Load(), "CRM calls")
		})
	}
}
