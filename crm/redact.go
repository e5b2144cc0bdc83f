package crm

import (
	"context"
	"errors"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// withheld replaces the free text a redacted line leaves out.
const withheld = "[CRM text withheld]"

// codeLike is what a CRM code looks like: a short token without spaces.
var codeLike = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,64}$`)

// Redacted is Error without what may name a member: the CRM's free-text
// message and an answer's snippet are left out; the operation, class, HTTP
// status and code stay, and so does a network or timeout cause.
func (e *Error) Redacted() string {
	msg := "crm " + e.Op + ": " + string(e.Class)
	if e.Status != 0 {
		msg += ": HTTP " + strconv.Itoa(e.Status)
	}
	if e.Code != "" {
		msg += ": " + e.Code
	}
	switch {
	case e.Err != nil && plainCause(e.Err):
		msg += ": " + e.Err.Error()
	case e.Message != "" || e.Err != nil:
		msg += ": " + withheld
	}
	return msg
}

// plainCause reports whether err is a network or context error, whose text
// names an address, never a member.
func plainCause(err error) bool {
	var ne net.Error
	var ue *url.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, ErrNoSuccessField)
}

// RedactText is Redacted for the text of an Error that has lost its type
// (an activity failure's message, as a workflow sees it): it keeps "crm
// <op>: <class>", an "HTTP <status>" and a code-like word, and withholds
// the rest. Text that is not an Error's is returned as it is.
func RedactText(s string) string {
	if !strings.HasPrefix(s, "crm ") {
		return s
	}
	parts := strings.Split(s, ": ")
	if len(parts) < 2 {
		return s
	}
	kept := parts[:2]
	rest := parts[2:]
	if len(rest) > 0 && strings.HasPrefix(rest[0], "HTTP ") {
		kept, rest = append(kept, rest[0]), rest[1:]
	}
	if len(rest) > 0 && codeLike.MatchString(rest[0]) {
		kept, rest = append(kept, rest[0]), rest[1:]
	}
	if len(rest) > 0 {
		kept = append(kept, withheld)
	}
	return strings.Join(kept, ": ")
}
