package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// rawFreeze sends a freeze whose headers and body the case chooses, signed
// as the demo caller unless the case's headers replace the signature.
func rawFreeze(ctx context.Context, baseURL, token string, body []byte, headers map[string]string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+crm.DefaultFreezePath, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	gp, err := crm.SplitPath(crm.DefaultFreezePath)
	if err != nil {
		return 0, err
	}
	ts := crm.FormatTimestamp(time.Now())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(crm.HeaderBusinessToken, token)
	req.Header.Set(crm.HeaderCallerService, sandbox.DemoServiceName)
	req.Header.Set(crm.HeaderCallerTime, ts)
	req.Header.Set(crm.HeaderCallerSign, crm.Sign(sandbox.DemoServiceName, sandbox.DemoSecret, ts, gp))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// TestBadSandboxRequests sends the sandbox requests it must refuse: each is
// refused with the status of its cause, and nothing is frozen by it.
func TestBadSandboxRequests(t *testing.T) {
	noGoroutineLeak(t)
	sb := testenv.StartSandbox(t, sandbox.Config{Callers: map[string]sandbox.Caller{
		sandbox.DemoServiceName: {Secret: sandbox.DemoSecret, MemberTypes: []string{crm.DefaultMemberType}},
	}})
	transport := crm.NewTransport()
	t.Cleanup(transport.CloseIdleConnections)
	client := func(mod func(*crm.Client)) *crm.Client {
		c := &crm.Client{BaseURL: sb.URL, ServiceName: sandbox.DemoServiceName, Secret: sandbox.DemoSecret,
			HTTPClient: &http.Client{Transport: transport}}
		if mod != nil {
			mod(c)
		}
		return c
	}
	valid := func(member string) crm.Request {
		return crm.Request{MemberID: member, Points: 10, Description: "bad sandbox request"}
	}
	tests := []struct {
		name string
		// call makes the bad request for member under token and returns its HTTP status and error.
		call       func(ctx context.Context, member, token string) (int, error)
		wantStatus int
		wantClass  crm.Class
		// frozen is what a legitimate first request of the case froze.
		frozen float64
	}{
		{name: "bad signature", call: func(ctx context.Context, m, tok string) (int, error) {
			return freezeStatus(client(func(c *crm.Client) { c.Secret = "not-the-secret" }).Freeze(ctx, tok, valid(m)))
		}, wantStatus: 401, wantClass: crm.ClassRejected},
		{name: "unknown caller", call: func(ctx context.Context, m, tok string) (int, error) {
			return freezeStatus(client(func(c *crm.Client) { c.ServiceName = "stranger" }).Freeze(ctx, tok, valid(m)))
		}, wantStatus: 401, wantClass: crm.ClassRejected},
		{name: "stale timestamp", call: func(ctx context.Context, m, tok string) (int, error) {
			return freezeStatus(client(func(c *crm.Client) { c.Now = func() time.Time { return time.Now().Add(-time.Hour) } }).Freeze(ctx, tok, valid(m)))
		}, wantStatus: 401, wantClass: crm.ClassRejected},
		{name: "timestamp from the future", call: func(ctx context.Context, m, tok string) (int, error) {
			return freezeStatus(client(func(c *crm.Client) { c.Now = func() time.Time { return time.Now().Add(time.Hour) } }).Freeze(ctx, tok, valid(m)))
		}, wantStatus: 401, wantClass: crm.ClassRejected},
		{name: "unknown member", call: func(ctx context.Context, _, tok string) (int, error) {
			return freezeStatus(client(nil).Freeze(ctx, tok, valid("nobody-at-all")))
		}, wantStatus: 404, wantClass: crm.ClassRejected},
		{name: "member type not allowed", call: func(ctx context.Context, m, tok string) (int, error) {
			return freezeStatus(client(func(c *crm.Client) { c.MemberType = "GMYB" }).Freeze(ctx, tok, valid(m)))
		}, wantStatus: 403, wantClass: crm.ClassRejected},
		{name: "not enough points", call: func(ctx context.Context, m, tok string) (int, error) {
			req := valid(m)
			req.Points = 1000
			return freezeStatus(client(nil).Freeze(ctx, tok, req))
		}, wantStatus: 200, wantClass: crm.ClassRejected},
		{name: "changed body on a reused token", call: func(ctx context.Context, m, tok string) (int, error) {
			if _, err := client(nil).Freeze(ctx, tok, valid(m)); err != nil {
				return 0, err
			}
			req := valid(m)
			req.Points = 20
			return freezeStatus(client(nil).Freeze(ctx, tok, req))
		}, wantStatus: 409, wantClass: crm.ClassRejected, frozen: 10},
		{name: "reused token for another operation", call: func(ctx context.Context, m, tok string) (int, error) {
			if _, err := client(nil).Freeze(ctx, tok, valid(m)); err != nil {
				return 0, err
			}
			req := valid(m)
			req.FreezeToken = tok
			return freezeStatus(client(nil).Consume(ctx, tok, req))
		}, wantStatus: 409, wantClass: crm.ClassRejected, frozen: 10},
		{name: "release of a freeze never made", call: func(ctx context.Context, m, tok string) (int, error) {
			req := valid(m)
			req.FreezeToken = workflows.BusinessToken("never-frozen", workflows.StepFreeze)
			return freezeStatus(client(nil).Release(ctx, tok, req))
		}, wantStatus: 200, wantClass: crm.ClassRejected},
		{name: "missing token header", call: func(ctx context.Context, m, _ string) (int, error) {
			return rawFreeze(ctx, sb.URL, "", []byte(`{"memberId":"`+m+`","point":10,"description":"x","memberType":"aupres","channelType":"WECHAT","pointBizType":"POINT","idempotentMode":1}`), nil)
		}, wantStatus: 400},
		{name: "signed body that is not JSON", call: func(ctx context.Context, _, tok string) (int, error) {
			return rawFreeze(ctx, sb.URL, tok, []byte(`<xml>freeze</xml>`), nil)
		}, wantStatus: 400},
		{name: "signed body with points as a string", call: func(ctx context.Context, m, tok string) (int, error) {
			return rawFreeze(ctx, sb.URL, tok, []byte(`{"memberId":"`+m+`","point":"10","description":"x","memberType":"aupres","channelType":"WECHAT","pointBizType":"POINT","idempotentMode":1}`), nil)
		}, wantStatus: 400},
		{name: "missing signature header", call: func(ctx context.Context, m, tok string) (int, error) {
			return rawFreeze(ctx, sb.URL, tok, []byte(`{"memberId":"`+m+`","point":10,"description":"x"}`), map[string]string{crm.HeaderCallerSign: ""})
		}, wantStatus: 401},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			member := fmt.Sprintf("bad-sandbox-%02d", i)
			_, err := sb.Grant(ctx, member, "", 100)
			require.NoError(t, err)
			token := workflows.BusinessToken(member, workflows.StepFreeze)

			status, err := tc.call(ctx, member, token)
			require.Equal(t, tc.wantStatus, status, "%v", err)
			if tc.wantClass != "" {
				var ce *crm.Error
				require.True(t, errors.As(err, &ce), "a *crm.Error, got %T: %v", err, err)
				require.Equal(t, tc.wantClass, ce.Class, "%v", err)
				require.NotContains(t, err.Error(), sandbox.DemoSecret)
			}
			b, err := sb.Balance(ctx, member)
			require.NoError(t, err)
			require.Equal(t, tc.frozen, b.Frozen, "only a legitimate first request froze anything")
			require.Equal(t, 100-tc.frozen, b.Available)
			require.NoError(t, sb.CheckInvariants(ctx))
		})
	}
}

// freezeStatus turns a client call's outcome into the HTTP status it met.
func freezeStatus(res crm.Result, err error) (int, error) {
	var ce *crm.Error
	if errors.As(err, &ce) {
		return ce.Status, err
	}
	return res.Status, err
}
