package crm

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSignSpecVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, service, path, ts, secret, want string
	}{
		{"freezePoint", "demo-service", "/openapi/v2/member/freezePoint", "2015-01-01 12:20:11", "secret123", "B0D40DE7EDBB6F873A804B802AB1EC70"},
		{"pointRecord", "demo-service", "/omni-integration-api/v1/member/pointRecord", "2015-01-01 12:20:11", "secret123", "5517297CA88D691C415A54875D39FCD4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := SplitPath(tc.path)
			require.NoError(t, err)
			require.Equal(t, tc.want, Sign(tc.service, tc.secret, tc.ts, p))
		})
	}
}

func TestSplitPath(t *testing.T) {
	t.Parallel()
	p, err := SplitPath("/openapi/v2/member/freezePoint")
	require.NoError(t, err)
	require.Equal(t, GatewayPath{ContextPath: "openapi", Version: "v2", RequestPath: "/member/freezePoint"}, p)
	for _, bad := range []string{"", "/", "/openapi", "/openapi/v2", "/openapi/v2/", "//v2/x"} {
		_, err := SplitPath(bad)
		require.Error(t, err, bad)
	}
}

func TestTimestampIsGMT8(t *testing.T) {
	t.Parallel()
	utc := time.Date(2015, 1, 1, 4, 20, 11, 0, time.UTC)
	require.Equal(t, "2015-01-01 12:20:11", FormatTimestamp(utc))
	back, err := ParseTimestamp("2015-01-01 12:20:11")
	require.NoError(t, err)
	require.True(t, back.Equal(utc))
}
