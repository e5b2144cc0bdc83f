package observability

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kylinpoints/kylin-points/internal/codec"
	"github.com/kylinpoints/kylin-points/internal/devstack"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestDevStackMetricsAndCodec starts the dev stack with metrics and a
// payload key, runs the demo, and checks /metrics, /readyz, the UI's codec
// setting and the codec server decoding the demo's encrypted input.
func TestDevStackMetricsAndCodec(t *testing.T) {
	t.Parallel()
	key := make([]byte, codec.KeySize)
	_, err := rand.Read(key)
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "keys")
	require.NoError(t, os.WriteFile(keyFile, []byte("dev="+base64.StdEncoding.EncodeToString(key)+"\n"), 0o600))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stack := testenv.StartDevStack(ctx, t, devstack.Options{MetricsAddr: "127.0.0.1:0", PayloadKeyFile: keyFile})
	get := func(url string) string {
		t.Helper()
		status, body := testenv.Get(t, url)
		require.Equal(t, http.StatusOK, status, url)
		return body
	}
	require.NotEmpty(t, stack.MetricsURL())
	require.Equal(t, stack.MetricsURL()+"/codec", stack.CodecURL())

	st, err := stack.RunDemo(ctx, io.Discard)
	require.NoError(t, err)
	require.Equal(t, workflows.StateConsumed, st.State)
	require.Equal(t, devstack.DemoMember, st.MemberID, "the demo's client decrypts")

	require.Equal(t, "ready\n", get(stack.MetricsURL()+"/readyz"))
	require.Eventually(t, func() bool {
		return strings.Contains(get(stack.MetricsURL()+"/metrics"), `state="CONSUMED"`)
	}, 10*time.Second, 100*time.Millisecond, "kylin_redemptions_total of the demo")
	require.Contains(t, get(stack.MetricsURL()+"/metrics"), `kylin_crm_calls_total{op="consume",outcome="ok",status="200"} 1`)

	var settings struct{ Codec struct{ Endpoint string } }
	require.NoError(t, json.Unmarshal([]byte(get(stack.UIURL()+"/api/v1/settings")), &settings))
	require.Equal(t, stack.CodecURL(), settings.Codec.Endpoint, "the Web UI decodes through the stack's codec server")

	history := get(stack.UIURL() + "/api/v1/namespaces/default/workflows/" + st.WorkflowID + "/history")
	require.NotContains(t, history, devstack.DemoMember, "the server holds no plaintext")
	var h struct {
		History struct {
			Events []struct {
				Started *struct {
					Input json.RawMessage `json:"input"`
				} `json:"workflowExecutionStartedEventAttributes"`
			} `json:"events"`
		} `json:"history"`
	}
	require.NoError(t, json.Unmarshal([]byte(history), &h))
	input := h.History.Events[0].Started.Input

	for _, origin := range []string{stack.UIURL(), strings.Replace(stack.UIURL(), "127.0.0.1", "localhost", 1)} {
		req, err := http.NewRequest(http.MethodPost, stack.CodecURL()+"/decode", bytes.NewReader(input))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
		require.Equal(t, origin, resp.Header.Get("Access-Control-Allow-Origin"))
		var decoded commonpb.Payloads
		require.NoError(t, protojson.Unmarshal(body, &decoded))
		require.Contains(t, string(decoded.GetPayloads()[0].GetData()), devstack.DemoMember)
	}

	var ready strings.Builder
	stack.WriteReady(&ready)
	require.Contains(t, ready.String(), stack.MetricsURL()+"/metrics")
	require.Contains(t, ready.String(), "codec server "+stack.CodecURL())
	require.Contains(t, ready.String(), "KYLIN_PAYLOAD_KEY_FILE="+keyFile)
	require.NotContains(t, ready.String(), base64.StdEncoding.EncodeToString(key))
}
