package observability

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

const (
	crmService = "obs-caller"
	crmSecret  = "crm-secret-9c1e7d-never-shown"
)

// secretsOf lists the forms a secret could leak in: the CRM secret and
// each key as written in the file, without its padding, and decoded.
func secretsOf(t *testing.T, keys ...string) []string {
	t.Helper()
	out := []string{crmSecret}
	for _, k := range keys {
		raw, err := base64.StdEncoding.DecodeString(k)
		require.NoError(t, err)
		out = append(out, k, strings.TrimRight(k, "="), string(raw))
	}
	return out
}

func requireNoSecret(t *testing.T, what, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		require.NotContains(t, text, s, "%s shows a secret", what)
	}
}

// TestSecretsStayOutOfHelpAndErrors runs the worker and starter binaries with
// the CRM secret in the environment and a payload key file, good or
// malformed, and reads everything they print.
func TestSecretsStayOutOfHelpAndErrors(t *testing.T) {
	testenv.SkipIfShort(t, "builds the binaries")
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	key := newKey(t)
	secrets := secretsOf(t, key)
	good := writeKeyFile(t, "good.keys", "k1="+key)
	worker, starter := testenv.Binary(t, "./worker"), testenv.Binary(t, "./starter")
	env := func(keyFile string) []string {
		return testenv.Env("KYLIN_CRM_BASE_URL=http://127.0.0.1:1", "KYLIN_CRM_SERVICE_NAME="+crmService,
			"KYLIN_CRM_SERVICE_SECRET="+crmSecret, "KYLIN_PAYLOAD_KEY_FILE="+keyFile, "TEMPORAL_ADDRESS=127.0.0.1:1")
	}

	t.Run("help", func(t *testing.T) {
		for _, tt := range []struct {
			bin  string
			args []string
			want []string
		}{
			{worker, []string{"--help"}, []string{config.MetricsAddr.Env, config.PayloadKeyFile.Env, "--" + config.PayloadKeyFile.Flag + " "}},
			{starter, []string{"--help"}, nil},
			{starter, []string{"redeem", "--help"}, []string{config.PayloadKeyFile.Env, "--" + config.PayloadKeyFile.Flag + " "}},
		} {
			res := testenv.RunCommand(ctx, t, tt.bin, env(good), tt.args...)
			require.Equal(t, 0, res.Code, res.Stderr)
			for _, want := range tt.want {
				require.Contains(t, res.Stdout, want)
			}
			requireNoSecret(t, filepath.Base(tt.bin)+" --help", res.Stdout+res.Stderr, secrets)
		}
	})

	short := base64.StdEncoding.EncodeToString([]byte(key[:16]))
	for _, tt := range []struct {
		name, content, want string
	}{
		{"the bare key, no ID", key, "line 1: want id=base64key, found no key after ="},
		{"a key that is not base64", "k1=" + key + "!", "line 1: key is not valid standard base64"},
		{"an ID with a space", "my key=" + key, "line 1: key ID must be"},
		{"a short key", "k1=" + short, "line 1: key is 16 bytes, want 32 (AES-256)"},
		{"no keys", "# nothing here", "no keys"},
	} {
		t.Run("malformed key file: "+tt.name, func(t *testing.T) {
			secrets := append(secretsOf(t, key), short)
			path := filepath.Join(t.TempDir(), "bad.keys")
			require.NoError(t, os.WriteFile(path, []byte(tt.content+"\n"), 0o600))
			res := testenv.RunCommand(ctx, t, worker, env(path), "--crm-timeout", "soon")
			require.Equal(t, 2, res.Code)
			require.Contains(t, res.Stderr, "worker: KYLIN_PAYLOAD_KEY_FILE (--payload-key-file) payload key file "+path+": "+tt.want)
			require.Contains(t, res.Stderr, "KYLIN_CRM_TIMEOUT", "every problem at once")
			requireNoSecret(t, "worker's configuration errors", res.Stdout+res.Stderr, secrets)

			res = testenv.RunCommand(ctx, t, starter, env(path), "status", "--id", "x")
			require.Equal(t, 2, res.Code)
			require.Contains(t, res.Stderr, tt.want)
			requireNoSecret(t, "starter's usage error", res.Stdout+res.Stderr, secrets)
		})
	}
}

// TestWorkerBinaryServesMetricsAndLogsNoSecret runs the worker binary with
// metrics, a key file and debug logs, redeems through the starter binary,
// scrapes the binary's /metrics and reads its logs.
func TestWorkerBinaryServesMetricsAndLogsNoSecret(t *testing.T) {
	testenv.SkipIfShort(t, "starts a Temporal server and builds the binaries")
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{Callers: map[string]sandbox.Caller{crmService: {Secret: crmSecret}}})
	key := newKey(t)
	keyFile := writeKeyFile(t, "k.keys", "k1="+key)
	metricsAddr := testenv.FreeAddr(t)
	logPath := filepath.Join(t.TempDir(), "worker.log")
	queue, id := testenv.UniqueName("obs-binary"), testenv.UniqueName("obs-bin-1")
	w := testenv.StartWorkerProcess(t, tp, sb.URL, queue, logPath,
		"KYLIN_CRM_SERVICE_NAME="+crmService, "KYLIN_CRM_SERVICE_SECRET="+crmSecret,
		"KYLIN_LOG_LEVEL=debug", "KYLIN_PAYLOAD_KEY_FILE="+keyFile, "KYLIN_METRICS_ADDR="+metricsAddr)
	require.NoError(t, testenv.WaitPoller(ctx, tp.Client, queue))

	starterEnv := testenv.Env("TEMPORAL_ADDRESS="+tp.HostPort(), "TEMPORAL_NAMESPACE="+tp.Namespace(),
		"KYLIN_TASK_QUEUE="+queue, "KYLIN_PAYLOAD_KEY_FILE="+keyFile, "KYLIN_LOG_LEVEL=debug")
	starter := testenv.Binary(t, "./starter")
	res := testenv.RunCommand(ctx, t, starter, starterEnv, "redeem", "--id", id, "--member", "demo-member-1", "--points", "2", "--description", "binary run")
	require.Equal(t, 0, res.Code, res.Stderr)
	starterOutput := res.Stdout + res.Stderr
	res = testenv.RunCommand(ctx, t, starter, starterEnv, "confirm", "--id", id)
	require.Equal(t, 0, res.Code, res.Stderr)
	require.Contains(t, res.Stdout, string(workflows.StateConsumed))
	starterOutput += res.Stdout + res.Stderr

	base := "http://" + metricsAddr
	status, _ := testenv.Get(t, base+"/readyz")
	require.Equal(t, http.StatusOK, status)
	var body string
	require.Eventually(t, func() bool {
		_, body = testenv.Get(t, base+"/metrics")
		n, _ := sum(t, body, workflows.MetricRedemptions, map[string]string{"state": "CONSUMED", "task_queue": queue})
		return n == 1
	}, 10*time.Second, 100*time.Millisecond, "the binary's kylin_redemptions_total")
	calls, _ := sum(t, body, "kylin_crm_calls_total", map[string]string{"op": "consume", "outcome": "ok"})
	require.Equal(t, 1.0, calls)

	code, err := w.Terminate(30 * time.Second)
	require.NoError(t, err)
	require.Equal(t, 0, code)
	logs, err := os.ReadFile(logPath)
	require.NoError(t, err)
	require.Contains(t, string(logs), "kylin-points worker starting", "the log was captured")
	require.Contains(t, string(logs), "Keyring(write=k1, keys=k1)", "the key ID, not the key, is logged")
	secrets := secretsOf(t, key)
	requireNoSecret(t, "the worker's logs", string(logs), append(secrets, "demo-member-1"))
	requireNoSecret(t, "the starter's output", starterOutput, secrets)

	// The history holds the consume, encrypted by the binaries.
	for _, p := range payloadsOf(rawHistory(ctx, t, tp.Client, id)) {
		require.Equal(t, "k1", string(p.GetMetadata()["encryption-key-id"]))
	}
}

// TestWorkerLogsNoSecret records every log entry of the worker wiring at
// debug level through a redemption and looks for the secrets in each.
func TestWorkerLogsNoSecret(t *testing.T) {
	testenv.SkipIfShort(t, "starts a Temporal server")
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{Callers: map[string]sandbox.Caller{crmService: {Secret: crmSecret}}})
	key := newKey(t)
	keyFile := writeKeyFile(t, "k.keys", "k1="+key)
	cfg := testenv.WorkerConfig(sb.URL, testenv.UniqueName("obs-logs"))
	id, idPoor := testenv.UniqueName("obs-logs-1"), testenv.UniqueName("obs-logs-poor")
	cfg.CRM.ServiceName, cfg.CRM.Secret = crmService, crmSecret
	cfg.MetricsAddr = "127.0.0.1:0"
	cfg.Payload = config.Payload{KeyFile: keyFile, Keys: loadKeys(t, keyFile)}
	core, recorded := observer.New(zapcore.DebugLevel)
	logger := zap.New(core)
	logger.Info("configuration", zap.Stringer("crm", cfg.CRM), zap.Stringer("payload", cfg.Payload), zap.Any("config", cfg))
	w := startObservedWorker(t, tp, cfg, logger)

	_, err := testenv.StartRedemption(ctx, w.client, id, cfg.TaskQueue,
		workflows.RedemptionRequest{MemberID: "demo-member-1", Points: 1, Description: "logs"})
	require.NoError(t, err)
	st, err := testenv.WaitSettledFreeze(ctx, w.client, id)
	require.NoError(t, err)
	require.Equal(t, workflows.StateFrozen, st.State, st.Error)
	st, err = testenv.Decide(ctx, w.client, id, workflows.UpdateConfirm)
	require.NoError(t, err)
	require.Equal(t, workflows.StateConsumed, st.State)
	_, err = testenv.StartRedemption(ctx, w.client, idPoor, cfg.TaskQueue,
		workflows.RedemptionRequest{MemberID: "demo-member-poor", Points: 50, Description: "logs"})
	require.NoError(t, err)
	st, err = testenv.WaitSettledFreeze(ctx, w.client, idPoor)
	require.NoError(t, err)
	require.Equal(t, workflows.StateFailed, st.State)
	w.stop(t)()

	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	var all strings.Builder
	for _, e := range recorded.All() {
		buf, err := enc.EncodeEntry(e.Entry, e.Context)
		require.NoError(t, err)
		all.Write(buf.Bytes())
		buf.Free()
	}
	require.Greater(t, recorded.Len(), 10, "debug logs were recorded")
	require.Contains(t, all.String(), "worker started")
	requireNoSecret(t, "the worker's logs", all.String(), secretsOf(t, key))
	require.Contains(t, all.String(), "POINT_NOT_ENOUGH", "the refusal's code is logged")
	requireNoSecret(t, "the worker's logs", all.String(), []string{"demo-member-1", "demo-member-poor"})
}
