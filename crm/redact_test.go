package crm

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRedactedLeavesOutWhatMayNameAMember: what a worker logs of a failed
// CRM call, for each kind of failure.
func TestRedactedLeavesOutWhatMayNameAMember(t *testing.T) {
	t.Parallel()
	const member = "vip-member-7f3a91"
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"a business refusal naming the member", &Error{Class: ClassRejected, Op: OpFreeze, Status: 200, Code: "POINT_NOT_ENOUGH",
			Message: "member " + member + " has 1 point"}, "crm freeze: rejected: HTTP 200: POINT_NOT_ENOUGH: [CRM text withheld]"},
		{"an answer without success, its snippet", &Error{Class: ClassTransient, Op: OpRelease, Status: 200, Err: fmt.Errorf("answer %q", `{"m":"`+member+`"}`)},
			"crm release: transient: HTTP 200: [CRM text withheld]"},
		{"a timeout", &Error{Class: ClassTransient, Op: OpConsume, Err: context.DeadlineExceeded}, "crm consume: transient: context deadline exceeded"},
		{"a gateway status alone", &Error{Class: ClassTransient, Op: OpFreeze, Status: 503}, "crm freeze: transient: HTTP 503"},
		{"invalid input", &Error{Class: ClassInvalid, Op: OpFreeze, Err: errors.New("memberId is required")}, "crm freeze: invalid: [CRM text withheld]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.err.Redacted())
			require.NotContains(t, tt.err.Redacted(), member)
			require.NotContains(t, RedactText(tt.err.Error()), member, "nor from the text alone")
		})
	}
}

func TestRedactTextKeepsOtherTextAsItIs(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"workflow task failed", "workflow task failed"},
		{"crm freeze: rejected: HTTP 200: POINT_NOT_ENOUGH: member m-1 has 1; a refusal does not say", "crm freeze: rejected: HTTP 200: POINT_NOT_ENOUGH: [CRM text withheld]"},
		{"crm release: rejected: HTTP 200: the member m-1 is unknown", "crm release: rejected: HTTP 200: [CRM text withheld]"},
		{"crm release: transient: HTTP 502", "crm release: transient: HTTP 502"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, RedactText(tt.in), tt.in)
	}
}
