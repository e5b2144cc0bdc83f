package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

func TestClientOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	toml := filepath.Join(dir, "temporal.toml")
	require.NoError(t, os.WriteFile(toml, []byte("[profile.prod]\naddress = \"prod.example.com:7233\"\nnamespace = \"points-prod\"\n"), 0o600))
	noFile := filepath.Join(dir, "absent.toml")

	tests := []struct {
		name          string
		env           map[string]string
		t             Temporal
		wantAddr, wNs string
		wantTLS       bool
	}{
		{"defaults", map[string]string{"TEMPORAL_CONFIG_FILE": noFile}, Temporal{}, client.DefaultHostPort, client.DefaultNamespace, false},
		{"env", map[string]string{"TEMPORAL_CONFIG_FILE": noFile, "TEMPORAL_ADDRESS": "t.example.com:7233", "TEMPORAL_NAMESPACE": "ns"},
			Temporal{}, "t.example.com:7233", "ns", false},
		{"flags override env", map[string]string{"TEMPORAL_CONFIG_FILE": noFile, "TEMPORAL_ADDRESS": "t.example.com:7233", "TEMPORAL_NAMESPACE": "ns"},
			Temporal{Address: "127.0.0.1:7999", Namespace: "flag-ns"}, "127.0.0.1:7999", "flag-ns", false},
		{"profile", map[string]string{"TEMPORAL_CONFIG_FILE": toml, "TEMPORAL_PROFILE": "prod"}, Temporal{}, "prod.example.com:7233", "points-prod", false},
		{"api key turns TLS on", map[string]string{"TEMPORAL_CONFIG_FILE": noFile, "TEMPORAL_API_KEY": "k"}, Temporal{}, client.DefaultHostPort, client.DefaultNamespace, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.t.Env = mapEnv(tt.env)
			opts, err := ClientOptions(tt.t)
			require.NoError(t, err)
			require.Equal(t, tt.wantAddr, opts.HostPort)
			require.Equal(t, tt.wNs, opts.Namespace)
			require.Equal(t, tt.wantTLS, opts.ConnectionOptions.TLS != nil)
		})
	}
}

func TestClientOptionsMissingProfile(t *testing.T) {
	t.Parallel()
	_, err := ClientOptions(Temporal{Env: mapEnv(map[string]string{
		"TEMPORAL_CONFIG_FILE": filepath.Join(t.TempDir(), "absent.toml"), "TEMPORAL_PROFILE": "nope"})})
	require.ErrorContains(t, err, "temporal connection")
	require.ErrorContains(t, err, "nope")
}

func TestBindStarter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    Starter
		problem string
	}{
		{"defaults", nil, nil, Starter{TaskQueue: "kylin-points", UIURL: "http://localhost:8233", LogLevel: "info", Search: Search{MemberMode: "none"}}, ""},
		{"env and flags", map[string]string{"KYLIN_UI_URL": "http://ui.example.com/", "KYLIN_TASK_QUEUE": "q"},
			[]string{"--namespace", "ns", "--address", "h:1", "--log-level", "error"},
			Starter{Temporal: Temporal{Address: "h:1", Namespace: "ns"}, TaskQueue: "q", UIURL: "http://ui.example.com", LogLevel: "error",
				Search: Search{MemberMode: "none"}}, ""},
		{"bad UI URL", nil, []string{"--ui-url", "localhost:8233"}, Starter{},
			`KYLIN_UI_URL (--ui-url) must be an http:// or https:// URL, got scheme "localhost"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			read := BindStarter(fs, mapEnv(tt.env))
			require.NoError(t, fs.Parse(tt.args))
			got, p := read()
			if tt.problem != "" {
				require.Equal(t, Problems{tt.problem}, p)
				return
			}
			require.Empty(t, p)
			got.Temporal.Env = nil
			require.Equal(t, tt.want, got)
		})
	}
}
