package sandbox

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"

	"github.com/kylinpoints/kylin-points/crm"
)

// authenticate checks the gateway headers (docs/crm.md, Signing) and returns the caller,
// or why the request is unauthorized. The secret is never part of the reason.
func (s *Server) authenticate(r *http.Request) (Caller, string) {
	service := r.Header.Get(crm.HeaderCallerService)
	ts := r.Header.Get(crm.HeaderCallerTime)
	sign := r.Header.Get(crm.HeaderCallerSign)
	for _, h := range []struct{ name, value string }{
		{crm.HeaderCallerService, service}, {crm.HeaderCallerTime, ts}, {crm.HeaderCallerSign, sign},
	} {
		if h.value == "" {
			return Caller{}, h.name + " header is missing"
		}
	}
	caller, ok := s.cfg.Callers[service]
	if !ok {
		return Caller{}, fmt.Sprintf("unknown caller service %q", service)
	}
	at, err := crm.ParseTimestamp(ts)
	if err != nil {
		return Caller{}, fmt.Sprintf("%s %q is not %q in GMT+8", crm.HeaderCallerTime, ts, crm.TimestampLayout)
	}
	if skew := s.cfg.Now().Sub(at); skew > s.cfg.MaxSkew || skew < -s.cfg.MaxSkew {
		return Caller{}, fmt.Sprintf("%s %q is more than %v away from the server clock", crm.HeaderCallerTime, ts, s.cfg.MaxSkew)
	}
	gp, err := crm.SplitPath(r.URL.Path)
	if err != nil {
		return Caller{}, err.Error()
	}
	want := crm.Sign(service, caller.Secret, ts, gp)
	if subtle.ConstantTimeCompare([]byte(strings.ToUpper(sign)), []byte(want)) != 1 {
		return Caller{}, crm.HeaderCallerSign + " does not match"
	}
	return caller, ""
}
