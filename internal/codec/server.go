package codec

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
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
	// on every POST; otherwise the answer is 401. Without it, the server
	// answers only requests from a loopback address (CheckExposure refuses
	// to start one that listens elsewhere).
	BearerToken string
	// AllowedHosts are the host names or IP addresses, beyond the loopback
	// ones (localhost, 127.0.0.1, ::1), that a request's Host header may
	// name. Any other Host is refused with 421, so a web page whose name
	// was rebound to this address (DNS rebinding) cannot decode.
	AllowedHosts []string
}

// CheckExposure refuses a codec server listening on a host that is not
// loopback without a bearer token: it would decode every payload for
// whoever reaches the address.
func CheckExposure(listenAddr, token string) error {
	host, _, err := net.SplitHostPort(listenAddr)
	if err != nil {
		host = listenAddr
	}
	if token != "" || IsLoopbackHost(host) {
		return nil
	}
	return fmt.Errorf("the codec server would listen on %s, which is not loopback, without a bearer token: "+
		"anyone who reaches it could decode every payload; give a token or listen on 127.0.0.1", listenAddr)
}

// IsLoopbackHost reports whether host (a name or an IP address, without a
// port) is localhost or a loopback address.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewServer serves the standard codec endpoints: POST .../encode and
// .../decode with a JSON Payloads body, as Temporal's UI and CLI call them,
// plus the CORS preflight the UI sends first. Its errors name nothing: no
// key ID, no detail of why a payload did not decode.
func NewServer(codec converter.PayloadCodec, opts ServerOptions) http.Handler {
	next := converter.NewPayloadCodecHTTPHandler(quietCodec{codec})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostAllowed(r.Host, opts.AllowedHosts) {
			http.Error(w, "unknown host", http.StatusMisdirectedRequest)
			return
		}
		if opts.AllowOrigin != "" {
			setCORS(w.Header(), opts.AllowOrigin)
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if opts.BearerToken == "" && !fromLoopback(r.RemoteAddr) {
			http.Error(w, "forbidden", http.StatusForbidden)
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

// quietCodec answers a failed encode or decode with one fixed message.
type quietCodec struct{ c converter.PayloadCodec }

var (
	errCannotDecode = errors.New("payloads cannot be decoded")
	errCannotEncode = errors.New("payloads cannot be encoded")
)

func (q quietCodec) Encode(p []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out, err := q.c.Encode(p)
	if err != nil {
		return nil, errCannotEncode
	}
	return out, nil
}

func (q quietCodec) Decode(p []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out, err := q.c.Decode(p)
	if err != nil {
		return nil, errCannotDecode
	}
	return out, nil
}

// hostAllowed reports whether the Host header names this server: a
// loopback name or one of allowed.
func hostAllowed(hostport string, allowed []string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if host == "" {
		return false
	}
	return IsLoopbackHost(host) || slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, host) })
}

func fromLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	return err == nil && IsLoopbackHost(host)
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
