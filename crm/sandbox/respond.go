package sandbox

import (
	"encoding/json"
	"net/http"
)

// envelope is the gateway's answer body (docs/crm.md, Response).
type envelope struct {
	Success bool   `json:"success"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// marshalEnvelope renders an answer body. Our envelopes hold only plain
// values, so marshalling cannot fail.
func marshalEnvelope(success bool, code, message string, data any) []byte {
	b, err := json.Marshal(envelope{Success: success, Code: code, Message: message, Data: data})
	if err != nil {
		panic("sandbox: marshal envelope: " + err.Error())
	}
	return b
}

// writeBody sends an answer body with its status.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeFailure sends a non-200 envelope: success false, code and message.
func writeFailure(w http.ResponseWriter, status int, code, message string) {
	writeBody(w, status, marshalEnvelope(false, code, message, nil))
}

// writeJSON sends an admin answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeFailure(w, http.StatusInternalServerError, CodeInternal, err.Error())
		return
	}
	writeBody(w, status, b)
}
