package crmcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
)

// recorder is the check's HTTP transport: it keeps the raw answer of the
// last request (status, headers, the body as the client read it), which the
// client's Result does not carry: whether `success` was there at all, and
// the body to compare a replay with.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	last *exchange
}

// exchange is one request's raw answer.
type exchange struct {
	status int
	header http.Header
	body   bytes.Buffer
}

// RoundTrip sends req and tees the answer's body into the exchange.
func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := &exchange{}
	r.mu.Lock()
	r.last = ex
	r.mu.Unlock()
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	ex.status, ex.header = resp.StatusCode, resp.Header
	resp.Body = teeBody{ReadCloser: resp.Body, w: &ex.body}
	return resp, nil
}

// take returns the last exchange and forgets it; nil when no answer came.
func (r *recorder) take() *exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	ex := r.last
	r.last = nil
	if ex != nil && ex.status == 0 {
		return nil
	}
	return ex
}

type teeBody struct {
	io.ReadCloser
	w *bytes.Buffer
}

func (t teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	if n > 0 && t.w.Len() < crm.MaxResponseBytes {
		t.w.Write(p[:min(n, crm.MaxResponseBytes-t.w.Len())])
	}
	return n, err
}

// answer is what one attempt of a step got: the client's reading and the
// raw answer behind it.
type answer struct {
	res crm.Result
	err error
	// status is the HTTP status, 0 when no answer arrived.
	status int
	// success is the envelope's `success`, nil when absent (or no envelope).
	success *bool
	code    string
	message string
	body    []byte
	// marker is the CRM's replay marker (crm.HeaderReplayed).
	marker  bool
	latency time.Duration
	// unsent is true when the connection could not even be made: the
	// request never left the process.
	unsent bool
}

// newAnswer joins the client's result with the raw exchange.
func newAnswer(res crm.Result, err error, ex *exchange, latency time.Duration) answer {
	a := answer{res: res, err: err, latency: latency}
	if ex != nil {
		a.status, a.body = ex.status, ex.body.Bytes()
		a.marker = ex.header.Get(crm.HeaderReplayed) == "true"
		if env, perr := crm.ParseEnvelope(a.body); perr == nil && len(bytes.TrimSpace(a.body)) > 0 {
			a.success, a.code, a.message = env.Success, env.CodeString(), env.Message
		}
	}
	if opErr, ok := errors.AsType[*net.OpError](err); ok && opErr.Op == "dial" {
		a.unsent = true
	}
	if a.message == "" && err != nil {
		a.message = err.Error()
	}
	a.message = oneLine(a.message, crm.MaxMessageChars)
	return a
}

// ok2xx reports whether the CRM answered with a 2xx status.
func (a answer) ok2xx() bool { return a.status >= 200 && a.status < 300 }

// provesApplied reports whether the raw answer says, beyond doubt under
// codes, that the request was applied: `success: true`, a 204, or (when
// codes read answers without `success` by their code) a success code.
func (a answer) provesApplied(codes crm.Codes) bool {
	if !a.ok2xx() || a.err != nil {
		return false
	}
	switch {
	case a.success != nil:
		return *a.success
	case a.status == http.StatusNoContent:
		return true
	}
	return codes.ReadsCode() && codes.IsSuccess(a.code)
}

// saysNoFreeze reports whether the raw answer is a 2xx not saying success
// whose code means, under codes, that the freeze holds no (or too few)
// points: with or without a `success` field.
func (a answer) saysNoFreeze(codes crm.Codes) bool {
	if !a.ok2xx() || (a.success != nil && *a.success) {
		return false
	}
	m := codes.MeaningOf(a.code)
	return m == crm.FreezeNotFound || m == crm.FreezeNotEnough
}

// sameAs reports whether a repeats first's answer: the same status,
// `success` and code.
func (a answer) sameAs(first answer) bool {
	return a.status == first.status && a.code == first.code && boolText(a.success) == boolText(first.success)
}

// readKind is how kylin-points reads an answer.
type readKind int

const (
	readApplied readKind = iota
	// readBusiness: a 2xx refusal under the token, proof nothing was applied.
	readBusiness
	// readRefused: a non-2xx refusal, not a business answer.
	readRefused
	// readUnknown: no answer, or one that leaves the outcome unknown.
	readUnknown
	// readInvalid: the client refused to send it.
	readInvalid
)

// reading is kylin-points' view of an answer under the current mapping.
type reading struct {
	kind    readKind
	meaning crm.Meaning
	status  int
	code    string
	noSucc  bool
}

// readOf is how the client (and, through it, the workflows) reads err.
func readOf(err error, codes crm.Codes) reading {
	if err == nil {
		return reading{kind: readApplied}
	}
	ce, ok := errors.AsType[*crm.Error](err)
	if !ok {
		return reading{kind: readUnknown}
	}
	r := reading{status: ce.Status, code: ce.Code, noSucc: errors.Is(err, crm.ErrNoSuccessField)}
	switch {
	case ce.Class == crm.ClassInvalid:
		r.kind = readInvalid
	case ce.Class == crm.ClassTransient:
		r.kind = readUnknown
	case ce.Status >= 200 && ce.Status < 300:
		r.kind, r.meaning = readBusiness, codes.MeaningOf(ce.Code)
	default:
		r.kind = readRefused
	}
	return r
}

// says is what kylin-points concludes from r of an op.
func (r reading) says(op string) string {
	switch r.kind {
	case readApplied:
		return map[string]string{crm.OpFreeze: "frozen", crm.OpRelease: "released", crm.OpConsume: "consumed"}[op]
	case readInvalid:
		return "not sent: the client refused the request"
	case readRefused:
		return fmt.Sprintf("refused (HTTP %d), not a business answer", r.status)
	case readUnknown:
		if r.noSucc {
			return "outcome unknown (an answer without success that the mapping cannot read): retried under the same token"
		}
		return "outcome unknown: retried under the same token"
	}
	switch r.meaning {
	case crm.PointNotEnough:
		return "refused: the member has too few points, nothing frozen"
	case crm.FreezeNotFound:
		if op == crm.OpRelease {
			return "no freeze under the token: nothing to release"
		}
		return "refused: no freeze under the token"
	case crm.FreezeNotEnough:
		return "refused: the freeze holds fewer points, settled by another step"
	}
	return fmt.Sprintf("refused with code %q, not in the mapping: no proof of anything", r.code)
}

func boolText(b *bool) string {
	if b == nil {
		return "-"
	}
	return fmt.Sprint(*b)
}
