package workerapp

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/config"
)

func TestNewCRMClientCarriesTheConfiguration(t *testing.T) {
	t.Parallel()
	cfg := config.CRM{
		BaseURL: "https://kylinapi.example.com", ServiceName: "svc", Secret: "s", Timeout: 3 * time.Second,
		MemberType: "GMYB", ChannelType: "POS", FreezePath: "/a/v1/f", ReleasePath: "/a/v1/r", ConsumePath: "/a/v1/c",
		Codes: &crm.Codes{FreezeNotFound: []string{"E404"}, WithoutSuccess: crm.WithoutSuccessReadCode},
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
	require.Same(t, cfg.Codes, c.Codes, "answers are read with the worker's codes mapping")
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

// The worker says on one line which mapping it reads the CRM's answers with.
func TestLogCodesOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    config.CRM
		source string
		codes  string
	}{
		{"defaults", config.CRM{}, "defaults (no KYLIN_CRM_CODES_FILE)", crm.DefaultCodes().String()},
		{"a file", config.CRM{CodesFile: "/etc/kylin/codes.toml", Codes: &crm.Codes{FreezeNotFound: []string{"E404"}}},
			"/etc/kylin/codes.toml", "pointNotEnough=[] freezeNotFound=[E404] freezeNotEnough=[] success=[] withoutSuccess=applied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			core, logs := observer.New(zapcore.InfoLevel)
			logCodes(zap.New(core), tt.cfg)
			require.Equal(t, 1, logs.Len())
			fields := logs.All()[0].ContextMap()
			require.Equal(t, tt.source, fields["source"])
			require.Equal(t, tt.codes, fields["codes"])
		})
	}
}
