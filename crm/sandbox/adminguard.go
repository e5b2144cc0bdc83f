package sandbox

import (
	"crypto/subtle"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// guardAdmin admits an admin call (see Config.AdminToken) and, for one
// that writes, a JSON body only: a web page can send a cross-site form or
// text/plain POST without asking, never an application/json one, and it
// cannot read nor send the token.
func (s *Server) guardAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.adminAdmits(r) {
			writeJSON(w, http.StatusForbidden, adminError{Error: "admin API: send the admin token (Authorization: Bearer …) or call from the sandbox's own origin"})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !isJSON(r.Header.Get("Content-Type")) {
			writeJSON(w, http.StatusUnsupportedMediaType, adminError{Error: "admin API: the body must be Content-Type: application/json"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// adminAdmits reports whether r carries the admin token, or comes from the
// sandbox's own origin: a Host that no DNS rebinding can name (an IP
// address or localhost), and no Origin or that Host's.
func (s *Server) adminAdmits(r *http.Request) bool {
	if token := s.cfg.AdminToken; token != "" {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if ok && strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1 {
			return true
		}
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		host = h
	}
	if host != "localhost" && net.ParseIP(strings.Trim(host, "[]")) == nil {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host == r.Host
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}
