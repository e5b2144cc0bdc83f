package faults

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/internal/config"
)

// TestBadWorkerSettings gives the worker's configuration values that would
// otherwise fail at the first CRM call, or worse: each stops it at start
// with one line naming the variable and its flag.
func TestBadWorkerSettings(t *testing.T) {
	t.Parallel()
	base := map[string]string{"KYLIN_CRM_BASE_URL": "https://kylinapi.example.com"}
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		setting string
	}{
		{"base URL with a path", map[string]string{"KYLIN_CRM_BASE_URL": "https://kylinapi.example.com/openapi/v2"}, "must be scheme and host only", "KYLIN_CRM_BASE_URL"},
		{"base URL with an empty query", map[string]string{"KYLIN_CRM_BASE_URL": "https://kylinapi.example.com?"}, "must not have a query or fragment, even an empty one", "KYLIN_CRM_BASE_URL"},
		{"base URL with an empty fragment", map[string]string{"KYLIN_CRM_BASE_URL": "https://kylinapi.example.com/#"}, "must not have a query or fragment, even an empty one", "KYLIN_CRM_BASE_URL"},
		{"service name that is not a header value", map[string]string{"KYLIN_CRM_SERVICE_NAME": "svc\r\nX-Injected: 1", "KYLIN_CRM_SERVICE_SECRET": "s"},
			"must be printable ASCII without spaces, to be a header value", "KYLIN_CRM_SERVICE_NAME"},
		{"CRM timeout longer than an activity attempt", map[string]string{"KYLIN_CRM_TIMEOUT": "30s"}, "must be shorter than 15s, the time one activity attempt may run", "KYLIN_CRM_TIMEOUT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			_, err := config.Load(nil, func(k string) string { return env[k] })
			require.Error(t, err)
			msg := err.Error()
			require.Equal(t, 1, strings.Count(strings.TrimSpace(msg), "\n")+1, "one line: %q", msg)
			require.True(t, strings.HasPrefix(msg, tc.setting), msg)
			require.Contains(t, msg, tc.want)
		})
	}
}
