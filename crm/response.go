package crm

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kylinpoints/kylin-points/internal/safetext"
)

// Envelope is the gateway's answer body (docs/crm.md, Response). Success is a pointer so
// that an absent field is told apart from false.
type Envelope struct {
	Success *bool           `json:"success"`
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// ErrNoSuccessField is the cause of a 200 or 201 answer without a
// `success` field that the codes mapping does not read as applied
// (WithoutSuccessReadCode): its outcome is unknown, retried under the same
// token. Test for it with errors.Is.
var ErrNoSuccessField = errors.New("the answer has no success field, and its code is neither a success nor a business refusal " +
	"of the codes mapping: outcome unknown")

// readResponse reads the answer to op; codes say how a 2xx answer without a
// `success` field is read.
func readResponse(op string, resp *http.Response, codes Codes) (Result, error) {
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	tooBig := len(body) > MaxResponseBytes
	if tooBig {
		body = body[:MaxResponseBytes]
		drain(resp.Body)
	}
	status := resp.StatusCode
	if status < 200 || status > 299 {
		e := &Error{Class: ClassifyStatus(status), Op: op, Status: status}
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			e.RetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		if status >= 300 && status < 400 {
			e.Message = "unexpected redirect"
			if loc := resp.Header.Get("Location"); loc != "" {
				e.Message += " to " + safetext.Line(loc, maxLocationChars)
			}
			e.Message += ": check the CRM base URL"
		}
		if env, err := ParseEnvelope(body); err == nil && len(body) > 0 {
			e.Code, e.Message = env.CodeString(), cmp.Or(boundMessage(env.Message), e.Message)
		} else if e.Message == "" {
			e.Message = snippet(body)
		}
		return Result{}, e
	}
	// 2xx: the CRM may have applied the request. An answer we cannot read
	// leaves the outcome unknown, which is transient: retry with the same token.
	if readErr != nil {
		return Result{}, &Error{Class: ClassTransient, Op: op, Status: status, Err: fmt.Errorf("reading answer: %w", readErr)}
	}
	if tooBig {
		return Result{}, &Error{Class: ClassTransient, Op: op, Status: status, Err: fmt.Errorf("answer larger than %d bytes", MaxResponseBytes)}
	}
	res := Result{Status: status, Replayed: resp.Header.Get(HeaderReplayed) == "true"}
	if len(bytes.TrimSpace(body)) == 0 {
		if status == http.StatusNoContent || !codes.ReadsCode() {
			return res, nil
		}
		return Result{}, &Error{Class: ClassTransient, Op: op, Status: status, Err: ErrNoSuccessField}
	}
	env, err := ParseEnvelope(body)
	if err != nil {
		return Result{}, &Error{Class: ClassTransient, Op: op, Status: status, Err: err}
	}
	res.Code, res.Message, res.Data = env.CodeString(), boundMessage(env.Message), env.Data
	refused := &Error{Class: ClassRejected, Op: op, Status: status, Code: res.Code, Message: res.Message}
	switch {
	case env.Success != nil && !*env.Success:
		return Result{}, refused
	case env.Success != nil, !codes.ReadsCode(), codes.IsSuccess(res.Code):
		return res, nil
	case codes.MeaningOf(res.Code) != MeaningNone:
		return Result{}, refused
	}
	// A 2xx whose code says neither: the CRM may have applied it.
	return Result{}, &Error{Class: ClassTransient, Op: op, Status: status, Code: res.Code, Message: res.Message, Err: ErrNoSuccessField}
}

// ParseEnvelope decodes an answer body. Unknown fields are ignored; a body
// that is not a JSON object is an error.
func ParseEnvelope(body []byte) (Envelope, error) {
	var env Envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return Envelope{}, fmt.Errorf("answer is not a JSON envelope: %w (body starts %q)", err, snippet(body))
	}
	if dec.More() {
		return Envelope{}, fmt.Errorf("answer has trailing data after the JSON envelope (body starts %q)", snippet(body))
	}
	return env, nil
}

// CodeString renders the envelope's code, which some gateways send as a
// number, on one line of at most MaxCodeChars characters.
func (e Envelope) CodeString() string {
	raw := bytes.TrimSpace(e.Code)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return safetext.Line(s, MaxCodeChars)
	}
	return safetext.Line(string(raw), MaxCodeChars)
}

// Bounds on what the client keeps of a CRM's words: an answer is outside
// input, printed in errors, logs, the Web UI and the starter's output.
const (
	// MaxMessageChars is the most kept of an answer's message.
	MaxMessageChars = 300
	// MaxCodeChars is the most kept of an answer's code.
	MaxCodeChars = 64
	// maxLocationChars is the most kept of a redirect's Location.
	maxLocationChars = 200
	// snippetChars is the most quoted of a body that is not an envelope.
	snippetChars = 120
)

// boundMessage keeps a CRM message on one line of at most MaxMessageChars.
func boundMessage(m string) string { return safetext.Line(m, MaxMessageChars) }

// ParseRetryAfter reads a Retry-After value in seconds or as an HTTP date.
// It returns 0 when the value is absent or unreadable, and caps it at 10 minutes.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > 600 {
			secs = 600
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		return 0
	}
	return min(d, 10*time.Minute)
}

// snippet quotes the start of a body on one line.
func snippet(b []byte) string {
	return safetext.Line(string(b[:min(len(b), 8*snippetChars)]), snippetChars)
}
