package observability

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/codec"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/startercli"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// The secrets of the encryption test: nothing in the server may show them.
const (
	secretMember      = "vip-member-7f3a91"
	secretDescription = "兑换 secret-remark-5d2c"
	poorMember        = "vip-member-poor-c40e"
)

// starterRun runs the starter command line in this process against tp.
type starterRun struct {
	tp    *testenv.Temporal
	queue string
}

func (s starterRun) run(ctx context.Context, t *testing.T, keyFile string, args ...string) (code int, report startercli.Report, stderr string) {
	t.Helper()
	env := map[string]string{
		"TEMPORAL_ADDRESS": s.tp.HostPort(), "TEMPORAL_NAMESPACE": s.tp.Namespace(),
		"KYLIN_TASK_QUEUE": s.queue, "KYLIN_PAYLOAD_KEY_FILE": keyFile,
	}
	var out, errOut bytes.Buffer
	code = startercli.Run(ctx, append(args, "--json"), &out, &errOut, func(k string) string { return env[k] })
	require.NoError(t, json.Unmarshal(out.Bytes(), &report), "stdout %q, stderr %q", out.String(), errOut.String())
	return code, report, errOut.String()
}

// TestEncryptedPayloadsEndToEnd runs the worker wiring and the starter with a
// key file and checks the history the server holds, the codec server, a
// wrong key, a tampered payload and a key rotation.
func TestEncryptedPayloadsEndToEnd(t *testing.T) {
	testenv.SkipIfShort(t, "starts a Temporal server")
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	_, err := sb.Grant(ctx, secretMember, crm.DefaultMemberType, 1000)
	require.NoError(t, err)
	_, err = sb.Grant(ctx, poorMember, crm.DefaultMemberType, 1)
	require.NoError(t, err)

	k1 := newKey(t)
	k1File := writeKeyFile(t, "k1.keys", "# first key", "k1="+k1)
	cfg := testenv.WorkerConfig(sb.URL, testenv.UniqueName("obs-encryption"))
	id1, idPoor, id2 := testenv.UniqueName("obs-enc-1"), testenv.UniqueName("obs-enc-poor"), testenv.UniqueName("obs-enc-2")
	cfg.Payload = config.Payload{KeyFile: k1File, Keys: loadKeys(t, k1File)}
	w1 := startObservedWorker(t, tp, cfg, zaptest.NewLogger(t))
	starter := starterRun{tp: tp, queue: cfg.TaskQueue}

	code, rep, stderr := starter.run(ctx, t, k1File, "redeem", "--id", id1, "--member", secretMember, "--points", "7", "--description", secretDescription)
	require.Equal(t, startercli.ExitOK, code, stderr)
	require.Equal(t, string(workflows.StateFrozen), rep.State)
	require.Equal(t, secretMember, rep.MemberID, "the starter decrypts what it reads")
	code, rep, stderr = starter.run(ctx, t, k1File, "confirm", "--id", id1)
	require.Equal(t, startercli.ExitOK, code, stderr)
	require.Equal(t, string(workflows.StateConsumed), rep.State)
	code, rep, _ = starter.run(ctx, t, k1File, "redeem", "--id", idPoor, "--member", poorMember, "--points", "50", "--description", secretDescription)
	require.Equal(t, startercli.ExitFailed, code)
	require.Equal(t, string(workflows.StateFailed), rep.State)
	require.Contains(t, rep.Error, "POINT_NOT_ENOUGH", "with the key, the encrypted failure message reads as the CRM wrote it")

	var payloads []*commonpb.Payload
	for _, id := range []string{id1, idPoor} {
		events := rawHistory(ctx, t, tp.Client, id)
		raw := rawBytes(t, events)
		for _, secret := range []string{secretMember, poorMember, secretDescription} {
			require.NotContains(t, string(raw), secret, "plaintext in the server's history of %s", id)
		}
		found := payloadsOf(events)
		require.GreaterOrEqual(t, len(found), 4, "%s: input, summary, activity input and result at least", id)
		for _, p := range found {
			require.Equal(t, codec.EncodingEncrypted, string(p.GetMetadata()[converter.MetadataEncoding]), "%s: %v", id, p.GetMetadata())
			require.Equal(t, "k1", string(p.GetMetadata()[codec.MetadataKeyID]))
		}
		payloads = append(payloads, found...)
	}

	const token = "codec-test-token"
	codecSrv := httptest.NewServer(codec.NewServer(codec.NewCodec(loadKeys(t, k1File)), codec.ServerOptions{BearerToken: token}))
	t.Cleanup(codecSrv.Close)

	t.Run("the codec server decodes the history", func(t *testing.T) {
		status, body := postPayloads(t, codecSrv.URL+"/decode", "Bearer "+token, payloads)
		require.Equal(t, http.StatusOK, status, body)
		var decoded commonpb.Payloads
		require.NoError(t, protojson.Unmarshal([]byte(body), &decoded))
		require.Len(t, decoded.GetPayloads(), len(payloads))
		var plain strings.Builder
		for _, p := range decoded.GetPayloads() {
			require.Equal(t, converter.MetadataEncodingJSON, string(p.GetMetadata()[converter.MetadataEncoding]))
			plain.Write(p.GetData())
		}
		for _, secret := range []string{secretMember, poorMember, secretDescription} {
			require.Contains(t, plain.String(), secret)
		}
		status, _ = postPayloads(t, codecSrv.URL+"/decode", "", payloads)
		require.Equal(t, http.StatusUnauthorized, status, "without the bearer token")
	})

	t.Run("a tampered payload fails clearly", func(t *testing.T) {
		tampered := proto.Clone(payloads[0]).(*commonpb.Payload)
		tampered.Data[len(tampered.Data)-1] ^= 1
		status, body := postPayloads(t, codecSrv.URL+"/decode", "Bearer "+token, []*commonpb.Payload{tampered})
		require.Equal(t, http.StatusBadRequest, status)
		require.Equal(t, "payloads cannot be decoded\n", body, "the codec server names no key and no reason")
	})

	t.Run("without the key the starter says so", func(t *testing.T) {
		code, _, stderr := starter.run(ctx, t, "", "status", "--id", id1)
		require.Equal(t, startercli.ExitFailed, code)
		require.Contains(t, stderr, "the payloads are encrypted: give their key file with KYLIN_PAYLOAD_KEY_FILE")
	})

	t.Run("a client without the key is refused by the worker, not retried", func(t *testing.T) {
		keyless := tp.Server.NewClientWithOptions(client.Options{})
		for _, tc := range []struct {
			workflow string
			arg      any
		}{
			{workflows.RedemptionWorkflowName, workflows.RedemptionRequest{MemberID: secretMember, Points: 2, Description: "keyless"}},
			{workflows.FreezePointsWorkflowName, workflows.FreezeRequest{MemberID: secretMember, Points: 2, Description: "keyless"}},
		} {
			run, err := keyless.ExecuteWorkflow(ctx, workflows.StartOptions(testenv.UniqueName("obs-keyless"), cfg.TaskQueue, "keyless"), tc.workflow, tc.arg)
			require.NoError(t, err)
			err = run.Get(ctx, nil)
			var app *temporal.ApplicationError
			require.ErrorAs(t, err, &app, tc.workflow)
			require.Equal(t, codec.ErrPlaintextType, app.Type())
			require.True(t, app.NonRetryable())
			require.Contains(t, app.Error(), "KYLIN_PAYLOAD_ALLOW_PLAINTEXT")
		}
		balance, err := sb.Balance(ctx, secretMember)
		require.NoError(t, err)
		require.Zero(t, balance.Frozen, "nothing frozen for a plaintext request")
	})

	wrongFile := writeKeyFile(t, "wrong.keys", "k1="+newKey(t))
	t.Run("a wrong key fails clearly", func(t *testing.T) {
		wrong := tp.Server.NewClientWithOptions(client.Options{DataConverter: codec.DataConverter(loadKeys(t, wrongFile))})
		var st workflows.RedemptionStatus
		err := wrong.GetWorkflow(ctx, id1, "").Get(ctx, &st)
		require.ErrorIs(t, err, codec.ErrAuthentication)

		code, _, stderr := starter.run(ctx, t, wrongFile, "status", "--id", id1)
		require.Equal(t, startercli.ExitFailed, code)
		require.Contains(t, stderr, codec.ErrAuthentication.Error())
		require.NotContains(t, stderr, secretMember)
	})

	// Rotation: k2 now encrypts, k1 stays below it to read what it wrote.
	// The rotated worker replays the old run, the rotated starter reads it.
	w1.stop(t)()
	rotatedFile := writeKeyFile(t, "rotated.keys", "k2="+newKey(t), "k1="+k1)
	cfg.Payload = config.Payload{KeyFile: rotatedFile, Keys: loadKeys(t, rotatedFile)}
	startObservedWorker(t, tp, cfg, zaptest.NewLogger(t))

	code, rep, stderr = starter.run(ctx, t, rotatedFile, "status", "--id", id1)
	require.Equal(t, startercli.ExitOK, code, stderr)
	require.Equal(t, string(workflows.StateConsumed), rep.State)
	require.Equal(t, secretMember, rep.MemberID, "the old run's payloads, written with k1, read after rotation")

	code, rep, stderr = starter.run(ctx, t, rotatedFile, "redeem", "--id", id2, "--member", secretMember, "--points", "3", "--description", secretDescription)
	require.Equal(t, startercli.ExitOK, code, stderr)
	code, rep, stderr = starter.run(ctx, t, rotatedFile, "cancel", "--id", id2)
	require.Equal(t, startercli.ExitOK, code, stderr)
	require.Equal(t, string(workflows.StateReleased), rep.State)
	for _, p := range payloadsOf(rawHistory(ctx, t, tp.Client, id2)) {
		require.Equal(t, "k2", string(p.GetMetadata()[codec.MetadataKeyID]), "new payloads use the new write key")
	}
	code, _, stderr = starter.run(ctx, t, k1File, "status", "--id", id2)
	require.Equal(t, startercli.ExitFailed, code)
	require.Contains(t, stderr, codec.ErrUnknownKey.Error())
}

// postPayloads sends payloads to a codec endpoint as the Web UI does.
func postPayloads(t *testing.T, url, authorization string, payloads []*commonpb.Payload) (int, string) {
	t.Helper()
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: payloads})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(out)
}
