package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/kylinpoints/kylin-points/crm"
)

// serveOp answers a freeze, release or consume: authenticate, validate,
// roll the faults, then hand the operation to the writer.
func (s *Server) serveOp(w http.ResponseWriter, r *http.Request, op string) {
	caller, raw, ok := s.admit(w, r, op)
	if !ok {
		return
	}
	body, err := decodeOpBody(op, raw)
	if err != nil {
		s.reject(w, op, http.StatusBadRequest, CodeBadRequest, outcomeBadRequest, err.Error())
		return
	}
	token := r.Header.Get(crm.HeaderBusinessToken)
	if err := crm.ValidateToken(token); err != nil {
		s.reject(w, op, http.StatusBadRequest, CodeBadRequest, outcomeBadRequest, err.Error())
		return
	}
	if !caller.allows(body.MemberType) {
		s.reject(w, op, http.StatusForbidden, CodeForbidden, outcomeForbidden, "caller may not act on memberType "+body.MemberType)
		return
	}

	f, answered := s.scripted(w, op)
	if answered || s.failBeforeEffect(r.Context(), w, op, token, f) {
		return
	}
	req := opRequest{op: op, token: token, bodyHash: bodyHash(body), body: body, at: s.cfg.Now(), profile: s.cfg.Profile}
	// Once accepted the operation runs to the end, even if the client leaves.
	res, err := s.writer.submit(context.WithoutCancel(r.Context()), func(ctx context.Context, tx *sql.Tx) (any, error) {
		return applyOp(ctx, tx, req)
	})
	if err != nil {
		s.failInternal(w, op, err)
		return
	}
	ans := res.(answer)
	s.stats.call(op, ans.outcome)
	s.log.Debug("sandbox request", zap.String("op", op), zap.String("businessToken", token), zap.String("outcome", ans.outcome))
	if f.kind == faultFailAfter {
		s.loseAnswer(w, op, token, f)
		return
	}
	if ans.replayed {
		w.Header().Set(crm.HeaderReplayed, "true")
	}
	writeBody(w, ans.status, s.cfg.Profile.render(ans.body))
}

// failBeforeEffect applies the faults that come before the ledger: it
// answers 500/503/429 and returns true, or sleeps for latency and returns
// false (true if the server closed meanwhile). A client that leaves ends the
// sleep: its request is applied at once, as a CRM applies a request whose
// client timed out, and holds nothing longer.
func (s *Server) failBeforeEffect(ctx context.Context, w http.ResponseWriter, op, token string, f fault) bool {
	if f.kind == faultNone || f.kind == faultFailAfter {
		return false
	}
	s.stats.fault(f.kind)
	s.log.Info("sandbox fault", zap.String("op", op), zap.String("businessToken", token), zap.String("fault", string(f.kind)))
	switch f.kind {
	case faultFailBefore:
		s.stats.call(op, "fault:"+string(faultFailBefore))
		if f.other {
			w.Header().Set("Retry-After", f.rates.retryAfterSeconds())
			writeFailure(w, http.StatusServiceUnavailable, CodeUnavailable, "injected fault: unavailable, nothing applied")
		} else {
			writeFailure(w, http.StatusInternalServerError, CodeInternal, "injected fault: failed before commit, nothing applied")
		}
		return true
	case faultTooMany:
		s.stats.call(op, "fault:"+string(faultTooMany))
		w.Header().Set("Retry-After", f.rates.retryAfterSeconds())
		writeFailure(w, http.StatusTooManyRequests, CodeTooMany, "injected fault: too many requests, nothing applied")
		return true
	case faultLatency:
		t := time.NewTimer(f.rates.LatencyDuration)
		defer t.Stop()
		select {
		case <-t.C:
			return false
		case <-s.closing:
			s.failInternal(w, op, errClosed)
			return true
		case <-ctx.Done():
			return false
		}
	}
	return false
}

// loseAnswer is the lost-response fault: the effect is committed, but the
// client sees a dropped connection or a 502.
func (s *Server) loseAnswer(w http.ResponseWriter, op, token string, f fault) {
	s.stats.fault(faultFailAfter)
	s.log.Info("sandbox fault", zap.String("op", op), zap.String("businessToken", token), zap.String("fault", string(faultFailAfter)))
	if !f.other {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
	}
	writeFailure(w, http.StatusBadGateway, CodeBadGateway, "injected fault: answer lost after commit")
}

// reject answers a request refused before the ledger; nothing is stored.
func (s *Server) reject(w http.ResponseWriter, op string, status int, code, outcome, message string) {
	s.stats.call(op, outcome)
	s.log.Debug("sandbox request refused", zap.String("op", op), zap.Int("status", status), zap.String("reason", message))
	writeFailure(w, status, code, message)
}

// failInternal answers a ledger failure: 503 when closing, else 500.
func (s *Server) failInternal(w http.ResponseWriter, op string, err error) {
	s.stats.call(op, outcomeError)
	if errors.Is(err, errClosed) {
		writeFailure(w, http.StatusServiceUnavailable, CodeUnavailable, err.Error())
		return
	}
	s.log.Error("sandbox ledger error", zap.String("op", op), zap.Error(err))
	writeFailure(w, http.StatusInternalServerError, CodeInternal, err.Error())
}

// serveBalance answers the signed balance query.
func (s *Server) serveBalance(w http.ResponseWriter, r *http.Request) {
	const op = "balance"
	caller, raw, ok := s.admit(w, r, op)
	if !ok {
		return
	}
	q, err := decodeBalanceQuery(raw)
	if err != nil {
		s.reject(w, op, http.StatusBadRequest, CodeBadRequest, outcomeBadRequest, err.Error())
		return
	}
	if !caller.allows(q.MemberType) {
		s.reject(w, op, http.StatusForbidden, CodeForbidden, outcomeForbidden, "caller may not act on memberType "+q.MemberType)
		return
	}
	b, err := s.Balance(r.Context(), q.MemberID)
	if errors.Is(err, ErrUnknownMember) || (err == nil && b.MemberType != q.MemberType) {
		s.reject(w, op, http.StatusNotFound, CodeMemberNotFound, outcomeNotFound, "member "+q.MemberID+" of memberType "+q.MemberType+" not found")
		return
	}
	if err != nil {
		s.failInternal(w, op, err)
		return
	}
	s.stats.call(op, outcomeOK)
	writeBody(w, http.StatusOK, s.cfg.Profile.render(marshalEnvelope(true, CodeSuccess, "ok", b)))
}

// admit is the gate of every signed endpoint: POST only, a valid gateway
// signature, and a readable body. It answers the failure itself.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, op string) (caller Caller, raw []byte, ok bool) {
	if r.Method != http.MethodPost {
		s.stats.call(op, outcomeBadRequest)
		w.Header().Set("Allow", http.MethodPost)
		writeFailure(w, http.StatusMethodNotAllowed, CodeMethod, r.Method+" is not allowed, use POST")
		return Caller{}, nil, false
	}
	caller, why := s.authenticate(r)
	if why != "" {
		s.reject(w, op, http.StatusUnauthorized, CodeUnauthorized, outcomeUnauthorized, why)
		return Caller{}, nil, false
	}
	raw, status, why := readBody(w, r)
	if why != "" {
		s.reject(w, op, status, bodyFailureCode(status), outcomeBadRequest, why)
		return Caller{}, nil, false
	}
	return caller, raw, true
}

// bodyFailureCode is the envelope code of a body that could not be read.
func bodyFailureCode(status int) string {
	if status == http.StatusRequestEntityTooLarge {
		return CodeTooLarge
	}
	return CodeBadRequest
}
