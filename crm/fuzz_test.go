package crm

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReadResponse feeds arbitrary statuses, bodies and Retry-After values to
// the answer parser: it must never panic, and every outcome must be classed
// as docs/exactly-once.md's table "What happens on each CRM answer" says. With
// readCode (the codes mapping's WithoutSuccessReadCode), an answer without a
// `success` field is success only for a success code or a 204.
func FuzzReadResponse(f *testing.F) {
	f.Add(200, []byte(`{"success":true,"code":"SUCCESS","data":{"frozen":5}}`), "", false)
	f.Add(200, []byte(`{"success":false,"code":"POINT_NOT_ENOUGH","message":"积分不足"}`), "", false)
	f.Add(200, []byte(`{"success":"yes","code":[1]}`), "", false)
	f.Add(204, []byte(nil), "", false)
	f.Add(429, []byte(`{"message":"slow down"}`), "2", false)
	f.Add(503, []byte(`<html><body>Bad gateway</body></html>`), "Wed, 21 Oct 2015 07:28:00 GMT", false)
	f.Add(302, []byte(``), "", false)
	f.Add(200, []byte(`{"success":true}{"success":false}`), "", false)
	f.Add(200, []byte("\xff\xfe"), "", false)
	f.Add(200, []byte(`{"code":"FREEZE_NOT_FOUND"}`), "", true)
	f.Add(201, []byte(`{"code":"SUCCESS","data":{}}`), "", true)
	f.Add(200, []byte(`{"code":"OK"}`), "", true)
	f.Add(200, []byte(``), "", true)
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string, readCode bool) {
		if status < 100 || status > 999 {
			return
		}
		codes := DefaultCodes()
		if readCode {
			codes.WithoutSuccess = WithoutSuccessReadCode
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		resp.Header.Set("Retry-After", retryAfter)
		res, err := readResponse(OpFreeze, resp, codes)
		if err == nil {
			if status < 200 || status > 299 {
				t.Fatalf("status %d accepted as success", status)
			}
			if res.Status != status {
				t.Fatalf("result status %d, want %d", res.Status, status)
			}
			env, perr := ParseEnvelope(body)
			if readCode && status != http.StatusNoContent && (perr != nil || env.Success == nil) && !codes.IsSuccess(res.Code) {
				t.Fatalf("an answer without success and code %q accepted as applied: %q", res.Code, body)
			}
			return
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("error %v is not a *crm.Error", err)
		}
		switch ce.Class {
		case ClassRejected, ClassTransient:
		default:
			t.Fatalf("class %q for status %d", ce.Class, status)
		}
		if ce.RetryAfter < 0 {
			t.Fatalf("negative Retry-After %v", ce.RetryAfter)
		}
		if !utf8.ValidString(ce.Message) && !strings.Contains(string(body), ce.Message) {
			t.Fatalf("message %q is neither valid UTF-8 nor from the body", ce.Message)
		}
	})
}

// FuzzValidate checks that the request validators never panic and that
// whatever they accept is a body the CRM's rules accept too.
func FuzzValidate(f *testing.F) {
	f.Add("m-1", "微信渠道积分冻结", 5.0, "0b5f1c1e-6c1a-5d7e-9b7a-3f1f4b2c9d10")
	f.Add("", "", 0.0, "")
	f.Add(" ", strings.Repeat("积", 256), 1.005, "a b")
	f.Add("m", "d", 1e300, strings.Repeat("x", 65))
	f.Fuzz(func(t *testing.T, member, description string, points float64, token string) {
		req := Request{MemberID: member, Description: description, Points: points}
		if err := req.Validate(); err == nil {
			if utf8.RuneCountInString(description) > MaxDescriptionChars || points <= 0 || points > MaxPoints {
				t.Fatalf("accepted %+v", req)
			}
			if PointsFromHundredths(Hundredths(points)) != points {
				t.Fatalf("points %v not exact in hundredths", points)
			}
		}
		if err := ValidateToken(token); err == nil && (len(token) == 0 || len(token) > MaxTokenLength) {
			t.Fatalf("accepted token %q", token)
		}
	})
}
