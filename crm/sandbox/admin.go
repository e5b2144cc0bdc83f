package sandbox

import (
	"context"
	"errors"
	"net/http"
)

// adminError is the body of a failed admin call.
type adminError struct {
	Error string `json:"error"`
}

// adminMux routes the unsigned admin API (see the package doc). Unknown
// paths and methods get the mux's plain 404 and 405.
func (s *Server) adminMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sandbox/members", s.adminGrant)
	mux.HandleFunc("GET /sandbox/members/{id...}", s.adminBalance)
	mux.HandleFunc("POST /sandbox/demo", s.adminSeedDemo)
	mux.HandleFunc("GET /sandbox/tokens/{token...}", s.adminToken)
	mux.HandleFunc("GET /sandbox/freezes", s.adminFreezes)
	mux.HandleFunc("GET /sandbox/faults", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Faults()) })
	mux.HandleFunc("PUT /sandbox/faults", s.adminSetFaults)
	mux.HandleFunc("POST /sandbox/faults/script", s.adminScript)
	mux.HandleFunc("GET /sandbox/stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Stats()) })
	mux.HandleFunc("GET /sandbox/check", s.adminCheck)
	return mux
}

// grantRequest is the body of POST /sandbox/members.
type grantRequest struct {
	MemberID   string  `json:"memberId"`
	MemberType string  `json:"memberType"`
	Points     float64 `json:"points"`
}

func (s *Server) adminGrant(w http.ResponseWriter, r *http.Request) {
	var req grantRequest
	if !readAdminJSON(w, r, &req) {
		return
	}
	b, err := s.Grant(context.WithoutCancel(r.Context()), req.MemberID, req.MemberType, req.Points)
	if err != nil {
		s.adminFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) adminSeedDemo(w http.ResponseWriter, r *http.Request) {
	ctx := context.WithoutCancel(r.Context())
	if err := s.SeedDemo(ctx); err != nil {
		s.adminFail(w, err)
		return
	}
	out := make([]Balance, 0, len(DemoMembers))
	for _, m := range DemoMembers {
		b, err := s.Balance(ctx, m.MemberID)
		if err != nil {
			s.adminFail(w, err)
			return
		}
		out = append(out, b)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) adminBalance(w http.ResponseWriter, r *http.Request) {
	b, err := s.Balance(r.Context(), r.PathValue("id"))
	if err != nil {
		s.adminFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// tokenView is the answer of GET /sandbox/tokens/{token}.
type tokenView struct {
	Record  *TokenRecord `json:"record"`
	Entries []Entry      `json:"entries"`
}

func (s *Server) adminToken(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	rec, err := s.Record(r.Context(), token)
	if err != nil {
		s.adminFail(w, err)
		return
	}
	entries, err := s.Entries(r.Context(), token)
	if err != nil {
		s.adminFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, tokenView{Record: rec, Entries: entries})
}

func (s *Server) adminFreezes(w http.ResponseWriter, r *http.Request) {
	fs, err := s.Freezes(r.Context())
	if err != nil {
		s.adminFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, fs)
}

func (s *Server) adminSetFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if !readAdminJSON(w, r, &f) {
		return
	}
	if err := f.Validate(); err != nil {
		writeJSON(w, http.StatusBadRequest, adminError{Error: err.Error()})
		return
	}
	s.SetFaults(f)
	writeJSON(w, http.StatusOK, s.Faults())
}

// scriptAnswer is the answer of POST /sandbox/faults/script.
type scriptAnswer struct {
	Pending int `json:"pending"`
}

// adminScript queues scripted faults: a JSON list of {op, kind, status}.
func (s *Server) adminScript(w http.ResponseWriter, r *http.Request) {
	var faults []ScriptedFault
	if !readAdminJSON(w, r, &faults) {
		return
	}
	if err := s.Script(faults...); err != nil {
		writeJSON(w, http.StatusBadRequest, adminError{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, scriptAnswer{Pending: s.ScriptPending()})
}

// checkResult is the answer of GET /sandbox/check.
type checkResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func (s *Server) adminCheck(w http.ResponseWriter, r *http.Request) {
	if err := s.CheckInvariants(r.Context()); err != nil {
		writeJSON(w, http.StatusInternalServerError, checkResult{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, checkResult{OK: true})
}

// adminFail maps an error to 400 (bad input), 404 (unknown member), 503
// (closed) or 500.
func (s *Server) adminFail(w http.ResponseWriter, err error) {
	var bad *inputError
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &bad):
		status = http.StatusBadRequest
	case errors.Is(err, ErrUnknownMember):
		status = http.StatusNotFound
	case errors.Is(err, errClosed):
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, adminError{Error: err.Error()})
}

// readAdminJSON reads an admin request's JSON body into v; when it cannot,
// it answers the request with the reason and returns false.
func readAdminJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	raw, status, why := readBody(w, r)
	if why != "" {
		writeJSON(w, status, adminError{Error: why})
		return false
	}
	if err := decodeJSON(raw, v); err != nil {
		writeJSON(w, http.StatusBadRequest, adminError{Error: err.Error()})
		return false
	}
	return true
}
