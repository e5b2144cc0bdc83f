package workerapp

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/codec"
	"github.com/kylinpoints/kylin-points/internal/config"
)

// okCRM accepts every call.
type okCRM struct{}

func (okCRM) Freeze(context.Context, string, crm.Request) (crm.Result, error) {
	return crm.Result{Status: 200}, nil
}

func (okCRM) Release(context.Context, string, crm.Request) (crm.Result, error) {
	return crm.Result{Status: 200}, nil
}

func (okCRM) Consume(context.Context, string, crm.Request) (crm.Result, error) {
	return crm.Result{Status: 200, Replayed: true}, nil
}

// healthy is a Temporal frontend that always answers its health check.
type healthy struct{}

func (healthy) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return &client.CheckHealthResponse{}, nil
}

func TestObserveOffWiresNothing(t *testing.T) {
	t.Parallel()
	obs, err := Observe(config.Config{})
	require.NoError(t, err)
	o := obs.Options()
	require.Nil(t, o.MetricsHandler)
	require.Nil(t, o.WrapCRM)
	require.Nil(t, o.DataConverter)
	require.Nil(t, o.FailureConverter)
	require.Empty(t, obs.Addr())
	require.NoError(t, obs.Serve(context.Background(), healthy{}), "returns at once")
	require.NoError(t, obs.Close())
}

func TestObservePayloadKeys(t *testing.T) {
	t.Parallel()
	keys, err := codec.NewKeyring("k1", map[string][]byte{"k1": make([]byte, codec.KeySize)})
	require.NoError(t, err)
	obs, err := Observe(config.Config{Payload: config.Payload{Keys: keys}})
	require.NoError(t, err)
	o := obs.Options()
	require.NotNil(t, o.DataConverter)
	require.NotNil(t, o.FailureConverter)
	p, err := o.DataConverter.ToPayload("member-1")
	require.NoError(t, err)
	require.Equal(t, codec.EncodingEncrypted, string(p.GetMetadata()["encoding"]))
}

func TestObserveServesMetricsAndReadiness(t *testing.T) {
	t.Parallel()
	obs, err := Observe(config.Config{MetricsAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = obs.Close() })
	base := "http://" + obs.Addr()

	_, err = Observe(config.Config{MetricsAddr: obs.Addr()})
	require.EqualError(t, err, "metrics address "+obs.Addr()+" is already in use by another process")

	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- obs.Serve(ctx, healthy{}) }()

	o := obs.Options()
	wrapped := o.WrapCRM(okCRM{})
	_, err = wrapped.Consume(context.Background(), "t", crm.Request{})
	require.NoError(t, err)

	tests := []struct {
		polling    bool
		wantStatus int
	}{{false, http.StatusServiceUnavailable}, {true, http.StatusOK}, {false, http.StatusServiceUnavailable}}
	for _, tt := range tests {
		o.OnPolling(tt.polling)
		require.Equal(t, tt.polling, obs.Polling())
		status, _ := fetch(t, base+"/readyz")
		require.Equal(t, tt.wantStatus, status, "polling %v", tt.polling)
	}
	status, body := fetch(t, base+"/metrics")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `kylin_crm_calls_total{op="consume",outcome="ok",status="200"} 1`)
	require.Contains(t, body, `kylin_crm_replayed_total{op="consume"} 1`)

	cancel()
	select {
	case err := <-served:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	_, err = net.DialTimeout("tcp", obs.Addr(), time.Second)
	require.Error(t, err, "the listener is closed")
}

func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}
