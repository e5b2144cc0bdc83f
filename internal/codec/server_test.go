package codec

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
)

const uiOrigin = "http://localhost:8233"

// remote is the SDK's client of a codec server, as the CLI uses one.
func remote(url, authorization string) converter.PayloadCodec {
	return converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{
		Endpoint: url,
		ModifyRequest: func(r *http.Request) error {
			if authorization != "" {
				r.Header.Set("Authorization", authorization)
			}
			r.Header.Set("X-Namespace", "default")
			return nil
		},
	})
}

// newTestServer serves h on 127.0.0.1 until the test ends.
func newTestServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestServerRoundTrip(t *testing.T) {
	t.Parallel()
	k1 := newTestKey(t)
	c := NewCodec(keyring(t, "k1", map[string]testKey{"k1": k1}))
	tests := []struct {
		name          string
		token         string
		authorization string
		wantErr       string
	}{
		{"no token configured", "", "", ""},
		{"right token", "s3cret-token", "Bearer s3cret-token", ""},
		{"scheme in lower case", "s3cret-token", "bearer s3cret-token", ""},
		{"missing token", "s3cret-token", "", "unauthorized"},
		{"wrong token", "s3cret-token", "Bearer s3cret-tokem", "unauthorized"},
		{"wrong scheme", "s3cret-token", "Basic s3cret-token", "unauthorized"},
		{"token prefix only", "s3cret-token", "Bearer s3cret", "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, NewServer(c, ServerOptions{AllowOrigin: uiOrigin, BearerToken: tt.token}))
			rc := remote(srv.URL, tt.authorization)

			enc, encErr := rc.Encode([]*commonpb.Payload{jsonPayload(t)})
			local, err := c.Encode([]*commonpb.Payload{jsonPayload(t)})
			require.NoError(t, err)
			dec, decErr := rc.Decode(local)
			if tt.wantErr != "" {
				require.ErrorContains(t, encErr, tt.wantErr)
				require.ErrorContains(t, decErr, tt.wantErr)
				return
			}
			require.NoError(t, encErr)
			require.NoError(t, decErr)
			requireNoPlaintext(t, enc[0])
			requireSamePayload(t, jsonPayload(t), dec[0])

			back, err := c.Decode(enc)
			require.NoError(t, err, "what the server encodes, the worker decodes")
			requireSamePayload(t, jsonPayload(t), back[0])
		})
	}
}

func TestServerRejectsTamperedPayload(t *testing.T) {
	t.Parallel()
	k1 := newTestKey(t)
	c := NewCodec(keyring(t, "k1", map[string]testKey{"k1": k1}))
	srv := newTestServer(t, NewServer(c, ServerOptions{}))

	enc, err := c.Encode([]*commonpb.Payload{jsonPayload(t)})
	require.NoError(t, err)
	enc[0].Data[20] ^= 1
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: enc})
	require.NoError(t, err)

	resp, err := http.Post(srv.URL+"/decode", "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	defer resp.Body.Close()
	msg, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, `key ID "k1": payload authentication failed (wrong key or tampered)`+"\n", string(msg))
	requireNoSecret(t, string(msg), k1)
}

func TestServerCORS(t *testing.T) {
	t.Parallel()
	c := NewCodec(keyring(t, "k1", map[string]testKey{"k1": newTestKey(t)}))
	tests := []struct {
		name        string
		opts        ServerOptions
		method      string
		path        string
		wantStatus  int
		wantOrigin  string
		wantCredent string
	}{
		{"preflight with origin and token", ServerOptions{AllowOrigin: uiOrigin, BearerToken: "t"}, http.MethodOptions, "/decode", http.StatusNoContent, uiOrigin, "true"},
		{"preflight under a prefix", ServerOptions{AllowOrigin: uiOrigin}, http.MethodOptions, "/default/decode", http.StatusNoContent, uiOrigin, "true"},
		{"any origin", ServerOptions{AllowOrigin: "*"}, http.MethodOptions, "/encode", http.StatusNoContent, "*", ""},
		{"no origin configured", ServerOptions{}, http.MethodOptions, "/decode", http.StatusNoContent, "", ""},
		{"401 still carries CORS", ServerOptions{AllowOrigin: uiOrigin, BearerToken: "t"}, http.MethodPost, "/decode", http.StatusUnauthorized, uiOrigin, "true"},
		{"GET is not an endpoint", ServerOptions{AllowOrigin: uiOrigin}, http.MethodGet, "/decode", http.StatusNotFound, uiOrigin, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, tt.path, nil)
			req.Header.Set("Origin", uiOrigin)
			req.Header.Set("Access-Control-Request-Method", http.MethodPost)
			req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace,authorization")
			rec := httptest.NewRecorder()
			NewServer(c, tt.opts).ServeHTTP(rec, req)

			require.Equal(t, tt.wantStatus, rec.Code)
			h := rec.Header()
			require.Equal(t, tt.wantOrigin, h.Get("Access-Control-Allow-Origin"))
			require.Equal(t, tt.wantCredent, h.Get("Access-Control-Allow-Credentials"))
			if tt.wantOrigin == "" {
				require.Empty(t, h.Get("Access-Control-Allow-Headers"))
				return
			}
			require.Equal(t, "Content-Type, X-Namespace, Authorization", h.Get("Access-Control-Allow-Headers"))
			require.Equal(t, "POST, OPTIONS", h.Get("Access-Control-Allow-Methods"))
		})
	}
}

func TestServerLimitsBody(t *testing.T) {
	t.Parallel()
	c := NewCodec(keyring(t, "k1", map[string]testKey{"k1": newTestKey(t)}))
	rec := httptest.NewRecorder()
	big := strings.NewReader(`{"payloads":[{"data":"` + strings.Repeat("A", maxRequestBytes) + `"}]}`)
	NewServer(c, ServerOptions{}).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/encode", big))
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "request body too large")
}
