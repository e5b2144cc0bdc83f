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
	require.Equal(t, "payloads cannot be decoded\n", string(msg))
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
			req := localRequest(tt.method, tt.path, nil)
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
	NewServer(c, ServerOptions{}).ServeHTTP(rec, localRequest(http.MethodPost, "/encode", big))
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "request body too large")
}

// localRequest is a request as a browser on this machine sends it to
// 127.0.0.1:8081.
func localRequest(method, path string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, path, body)
	r.Host = "127.0.0.1:8081"
	r.RemoteAddr = "127.0.0.1:50000"
	return r
}

// TestServerRefusesWhoDoesNotBelong: each attack on the codec server, and
// what it gets.
func TestServerRefusesWhoDoesNotBelong(t *testing.T) {
	t.Parallel()
	k1 := newTestKey(t)
	c := NewCodec(keyring(t, "k1", map[string]testKey{"k1": k1}))
	local, err := c.Encode([]*commonpb.Payload{jsonPayload(t)})
	require.NoError(t, err)
	good, err := protojson.Marshal(&commonpb.Payloads{Payloads: local})
	require.NoError(t, err)
	foreign := clonePayload(local[0])
	foreign.Metadata[MetadataKeyID] = []byte("secret-key-name-7")
	unknownKey, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{foreign}})
	require.NoError(t, err)

	tests := []struct {
		name       string
		opts       ServerOptions
		host       string
		remote     string
		auth       string
		body       []byte
		wantStatus int
		wantBody   string
	}{
		{"a page rebound to 127.0.0.1 (DNS rebinding)", ServerOptions{}, "attacker.example:8081", "127.0.0.1:5", "", good, http.StatusMisdirectedRequest, "unknown host\n"},
		{"a Host naming loopback inside another name", ServerOptions{}, "127.0.0.1.attacker.example", "127.0.0.1:5", "", good, http.StatusMisdirectedRequest, "unknown host\n"},
		{"no Host", ServerOptions{}, "", "127.0.0.1:5", "", good, http.StatusMisdirectedRequest, "unknown host\n"},
		{"rebinding with the right token", ServerOptions{BearerToken: "t0k"}, "attacker.example", "127.0.0.1:5", "Bearer t0k", good, http.StatusMisdirectedRequest, "unknown host\n"},
		{"another machine, no token configured", ServerOptions{AllowedHosts: []string{"codec.internal"}}, "codec.internal", "192.0.2.7:5", "", good, http.StatusForbidden, "forbidden\n"},
		{"another machine, no token sent", ServerOptions{BearerToken: "t0k", AllowedHosts: []string{"codec.internal"}}, "codec.internal", "192.0.2.7:5", "", good, http.StatusUnauthorized, "unauthorized\n"},
		{"another machine, wrong token", ServerOptions{BearerToken: "t0k", AllowedHosts: []string{"codec.internal"}}, "codec.internal", "192.0.2.7:5", "Bearer t0K", good, http.StatusUnauthorized, "unauthorized\n"},
		{"a payload of a key this server lacks: the error names no key", ServerOptions{}, "localhost:8081", "127.0.0.1:5", "", unknownKey, http.StatusBadRequest, "payloads cannot be decoded\n"},
		{"another machine, right token, allowed host", ServerOptions{BearerToken: "t0k", AllowedHosts: []string{"codec.internal"}}, "codec.internal:8081", "192.0.2.7:5", "Bearer t0k", good, http.StatusOK, ""},
		{"loopback, no token, [::1]", ServerOptions{}, "[::1]:8081", "[::1]:5", "", good, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodPost, "/decode", strings.NewReader(string(tt.body)))
			req.Host, req.RemoteAddr = tt.host, tt.remote
			req.Header.Set("Content-Type", "application/json")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			NewServer(c, tt.opts).ServeHTTP(rec, req)
			require.Equal(t, tt.wantStatus, rec.Code)
			if tt.wantStatus != http.StatusOK {
				require.Equal(t, tt.wantBody, rec.Body.String())
				require.NotContains(t, rec.Body.String(), "k1")
				require.NotContains(t, rec.Body.String(), "secret-key-name")
				return
			}
			require.Contains(t, rec.Body.String(), `"payloads"`)
		})
	}
}

func TestCheckExposureRefusesATokenlessServerOffLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr, token string
		wantErr     bool
	}{
		{"127.0.0.1:9090", "", false},
		{"localhost:9090", "", false},
		{"[::1]:9090", "", false},
		{"0.0.0.0:9090", "", true},
		{":9090", "", true},
		{"192.0.2.7:9090", "", true},
		{"0.0.0.0:9090", "t0k", false},
	}
	for _, tt := range tests {
		err := CheckExposure(tt.addr, tt.token)
		if tt.wantErr {
			require.ErrorContains(t, err, "not loopback, without a bearer token", tt.addr)
			continue
		}
		require.NoError(t, err, tt.addr)
	}
}
