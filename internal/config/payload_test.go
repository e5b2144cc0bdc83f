package config

import (
	"crypto/rand"
	"encoding/base64"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// testKeyFile writes a key file with the write key "k2" and "k1" below it,
// and returns its path and the base64 keys.
func testKeyFile(t *testing.T, content func(k2, k1 string) string) (path string, keys []string) {
	t.Helper()
	for range 2 {
		key := make([]byte, 32)
		_, err := rand.Read(key)
		require.NoError(t, err)
		keys = append(keys, base64.StdEncoding.EncodeToString(key))
	}
	path = filepath.Join(t.TempDir(), "payload.keys")
	require.NoError(t, os.WriteFile(path, []byte(content(keys[0], keys[1])), 0o600))
	return path, keys
}

func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    string
		problem string
	}{
		{"off by default", minimal(), nil, "", ""},
		{"from env", with(minimal(), "KYLIN_METRICS_ADDR", "127.0.0.1:9090"), nil, "127.0.0.1:9090", ""},
		{"flag overrides env", with(minimal(), "KYLIN_METRICS_ADDR", "127.0.0.1:9090"), []string{"--metrics-addr", ":9191"}, ":9191", ""},
		{"not host:port", minimal(), []string{"--metrics-addr", "9090"}, "", `KYLIN_METRICS_ADDR (--metrics-addr) "9090" must be host:port, e.g. 127.0.0.1:9090`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(tt.args, mapEnv(tt.env))
			if tt.problem != "" {
				require.Equal(t, Problems{tt.problem}, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, cfg.MetricsAddr)
		})
	}
}

func TestPayloadKeyFile(t *testing.T) {
	t.Parallel()
	good, goodKeys := testKeyFile(t, func(k2, k1 string) string { return "# rotated\nk2=" + k2 + "\nk1=" + k1 + "\n" })
	bad, badKeys := testKeyFile(t, func(k2, _ string) string { return k2 + "\n" })
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    string
		problem string
	}{
		{"off by default", minimal(), nil, "Payload{off}", ""},
		{"from env", with(minimal(), "KYLIN_PAYLOAD_KEY_FILE", good), nil, "Payload{KeyFile:" + good + " Keyring(write=k2, keys=k1,k2)}", ""},
		{"from flag", minimal(), []string{"--payload-key-file", good}, "Payload{KeyFile:" + good + " Keyring(write=k2, keys=k1,k2)}", ""},
		{"missing file", minimal(), []string{"--payload-key-file", good + ".gone"}, "",
			"KYLIN_PAYLOAD_KEY_FILE (--payload-key-file) payload key file: open " + good + ".gone: no such file or directory"},
		{"malformed file", minimal(), []string{"--payload-key-file", bad}, "",
			"KYLIN_PAYLOAD_KEY_FILE (--payload-key-file) payload key file " + bad + ": line 1: want id=base64key, found no key after ="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(tt.args, mapEnv(tt.env))
			if tt.problem != "" {
				require.Equal(t, Problems{tt.problem}, err)
				for _, k := range append(goodKeys, badKeys...) {
					require.NotContains(t, err.Error(), k[:20])
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, cfg.Payload.String())
			require.Equal(t, cfg.Payload.Enabled(), cfg.Payload.DataConverter() != nil)
			require.Equal(t, cfg.Payload.Enabled(), cfg.Payload.FailureConverter() != nil)
		})
	}
}

func TestStarterPayloadKeyFile(t *testing.T) {
	t.Parallel()
	path, _ := testKeyFile(t, func(k2, _ string) string { return "k2=" + k2 })
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	read := BindStarter(fs, mapEnv(nil))
	require.NoError(t, fs.Parse([]string{"--payload-key-file", path}))
	got, p := read()
	require.Empty(t, p)
	require.True(t, got.Payload.Enabled())
	require.Equal(t, "k2", got.Payload.Keys.WriteKeyID())
}
