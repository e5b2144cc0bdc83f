package codec

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"go.temporal.io/sdk/converter"
)

// maxRequestBytes bounds the body of one /encode or /decode request.
const maxRequestBytes = 16 << 20

// ServerOptions configures NewServer.
type ServerOptions struct {
	// AllowOrigin is the Temporal UI's origin (e.g. http://localhost:8233),
	// sent as Access-Control-Allow-Origin; empty sends no CORS headers.
	AllowOrigin string
	// BearerToken, when set, must arrive as "Authorization: Bearer <token>"
	// on every POST; otherwise the answer is 401.
	BearerToken string
}

// NewServer serves the standard codec endpoints: POST .../encode and
// .../decode with a JSON Payloads body, as Temporal's UI and CLI call them,
// plus the CORS preflight the UI sends first.
func NewServer(codec converter.PayloadCodec, opts ServerOptions) http.Handler {
	next := converter.NewPayloadCodecHTTPHandler(codec)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if opts.AllowOrigin != "" {
			setCORS(w.Header(), opts.AllowOrigin)
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if opts.BearerToken != "" && !bearerMatches(r.Header.Get("Authorization"), opts.BearerToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kylin-points codec"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
		next.ServeHTTP(w, r)
	})
}

func setCORS(h http.Header, origin string) {
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
	h.Set("Access-Control-Max-Age", "600")
	if origin != "*" {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

func bearerMatches(header, token string) bool {
	scheme, got, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
}
