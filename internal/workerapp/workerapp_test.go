package workerapp

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/kylinpoints/kylin-points/internal/config"
)

func TestNewCRMClientCarriesTheConfiguration(t *testing.T) {
	t.Parallel()
	cfg := config.CRM{
		BaseURL: "https://kylinapi.example.com", ServiceName: "svc", Secret: "s", Timeout: 3 * time.Second,
		MemberType: "GMYB", ChannelType: "POS", FreezePath: "/a/v1/f", ReleasePath: "/a/v1/r", ConsumePath: "/a/v1/c",
	}
	c := newCRMClient(cfg, zap.NewNop())
	require.Equal(t, cfg.BaseURL, c.BaseURL)
	require.Equal(t, cfg.ServiceName, c.ServiceName)
	require.Equal(t, cfg.Secret, c.Secret)
	require.Equal(t, cfg.Timeout, c.Timeout)
	require.Equal(t, cfg.MemberType, c.MemberType)
	require.Equal(t, cfg.ChannelType, c.ChannelType)
	require.Equal(t, cfg.FreezePath, c.FreezePath)
	require.Equal(t, cfg.ReleasePath, c.ReleasePath)
	require.Equal(t, cfg.ConsumePath, c.ConsumePath)
	require.NotNil(t, c.Logger)
	require.NotNil(t, c.HTTPClient)
	tr, ok := c.HTTPClient.Transport.(*http.Transport)
	require.True(t, ok)
	require.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 100, "keep-alive to one CRM host")
	require.ErrorIs(t, c.HTTPClient.CheckRedirect(nil, nil), http.ErrUseLastResponse, "redirects are not followed")
}

func TestClientOptionsAppliesHooksAndOverrides(t *testing.T) {
	t.Parallel()
	env := map[string]string{"TEMPORAL_CONFIG_FILE": t.TempDir() + "/none.toml", "TEMPORAL_ADDRESS": "env:7233"}
	cfg := config.Config{Temporal: config.Temporal{Namespace: "points", Env: func(k string) string { return env[k] }}}
	opts, err := ClientOptions(cfg, zap.NewNop(), Options{})
	require.NoError(t, err)
	require.Equal(t, "env:7233", opts.HostPort)
	require.Equal(t, "points", opts.Namespace)
	require.NotNil(t, opts.Logger)
}
