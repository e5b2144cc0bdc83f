package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ready      func(context.Context) error
		path       string
		wantStatus int
		wantBody   string
	}{
		{"healthz", nil, "/healthz", http.StatusOK, "ok\n"},
		{"healthz while not ready", func(context.Context) error { return errors.New("down") }, "/healthz", http.StatusOK, "ok\n"},
		{"readyz without a check", nil, "/readyz", http.StatusOK, "ready\n"},
		{"readyz ready", func(context.Context) error { return nil }, "/readyz", http.StatusOK, "ready\n"},
		{"readyz not ready", func(context.Context) error { return errors.New("worker is not polling") }, "/readyz", http.StatusServiceUnavailable, "not ready: worker is not polling\n"},
		{"unknown path", nil, "/nope", http.StatusNotFound, "404 page not found\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := get(t, newTestMetrics(t).Handler(tt.ready), tt.path)
			require.Equal(t, tt.wantStatus, status)
			require.Equal(t, tt.wantBody, body)
		})
	}
}

func TestReadyCheckHasDeadline(t *testing.T) {
	t.Parallel()
	var deadline bool
	h := newTestMetrics(t).Handler(func(ctx context.Context) error {
		_, deadline = ctx.Deadline()
		return nil
	})
	status, _ := get(t, h, "/readyz")
	require.Equal(t, http.StatusOK, status)
	require.True(t, deadline, "a hanging check must not hang /readyz")
}

func TestMetricsEndpointHasOursAndSDKs(t *testing.T) {
	t.Parallel()
	m := newTestMetrics(t)
	h := m.Handler(nil)
	m.ObserveCRMCall("freeze", outcomeOK, 200, 5*time.Millisecond, true)
	m.SDKHandler().WithTags(map[string]string{"namespace": "default"}).Counter("temporal_request").Inc(3)

	var body string
	require.Eventually(t, func() bool {
		_, body = get(t, h, "/metrics")
		return strings.Contains(body, `temporal_request_total{namespace="default"} 3`)
	}, 5*time.Second, 50*time.Millisecond, "SDK counter never reached /metrics")
	for _, want := range []string{
		`kylin_crm_calls_total{op="freeze",outcome="ok",status="200"} 1`,
		`kylin_crm_replayed_total{op="freeze"} 1`,
		`kylin_crm_call_duration_seconds_bucket{op="freeze",le="0.005"} 1`,
		"go_goroutines ",
	} {
		require.Contains(t, body, want)
	}
	require.NotContains(t, body, "kylin_sdk_metric_errors_total 1")
}

func TestListenAndServeListener(t *testing.T) {
	t.Parallel()
	ln, err := Listen("127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()

	_, err = Listen(addr)
	require.EqualError(t, err, "metrics address "+addr+" is already in use by another process")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, newTestMetrics(t).Handler(nil)) }()

	resp, err := http.Get("http://" + addr + "/healthz")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("ServeListener did not return after the context ended")
	}
	_, err = net.DialTimeout("tcp", addr, time.Second)
	require.Error(t, err, "the listener is closed after shutdown")
}
