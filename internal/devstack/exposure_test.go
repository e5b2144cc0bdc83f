package devstack

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWarningsNameWhatBecomesReachable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"the defaults: all loopback", Options{MetricsAddr: DefaultMetricsAddr}.withDefaults(), nil},
		{"localhost and ::1", Options{TemporalAddr: "localhost:7233", UIAddr: "[::1]:8233"}.withDefaults(), nil},
		{"the frontend on every interface", Options{TemporalAddr: "0.0.0.0:7233"}.withDefaults(),
			[]string{"warning: -temporal-addr 0.0.0.0:7233 is not loopback: other machines reach the Temporal frontend: anyone can start, signal, read and terminate every workflow, without authentication"}},
		{"the UI on a LAN address", Options{UIAddr: "192.0.2.7:8233"}.withDefaults(),
			[]string{"warning: -ui-addr 192.0.2.7:8233 is not loopback: other machines reach the Temporal Web UI: every workflow's history, member IDs and descriptions included, and its buttons"}},
		{"a UI that does not run", Options{UIAddr: "0.0.0.0:8233", NoUI: true}.withDefaults(), nil},
		{"sandbox and metrics", Options{SandboxAddr: "0.0.0.0:8088", MetricsAddr: "[::]:9090"}.withDefaults(), []string{
			"warning: -sandbox-addr 0.0.0.0:8088 is not loopback: other machines reach the CRM sandbox and its unsigned admin API (members, balances, faults)",
			"warning: -metrics-addr [::]:9090 is not loopback: other machines reach /metrics, /healthz, /readyz and, with -payload-key-file, the codec server (bearer token required)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.opts.Warnings())
		})
	}
}

// TestDataDirIsTheOwnersOnly: other local users read no history from the
// data directory nor the log, including those an older stack left open.
func TestDataDirIsTheOwnersOnly(t *testing.T) {
	t.Parallel()
	for _, existing := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), ".kylin-dev")
		if existing {
			require.NoError(t, os.Mkdir(dir, 0o755))
			require.NoError(t, os.Chmod(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, logFile), []byte("{}\n"), 0o600))
			require.NoError(t, os.Chmod(filepath.Join(dir, logFile), 0o644))
		}
		s := &Stack{opts: Options{DataDir: dir}.withDefaults()}
		require.NoError(t, s.openDataDir())
		l, err := openLogs(s.opts)
		require.NoError(t, err)
		l.close()

		fi, err := os.Stat(dir)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), "existing=%v", existing)
		fi, err = os.Stat(filepath.Join(dir, logFile))
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "existing=%v", existing)
	}
}
