package startercli

import (
	"bytes"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// TestHumanOutputDefusesWhatOtherClientsWrote: any client may set a
// workflow ID, a KylinState, a member ID, a description or make a CRM
// message reach a status; none of them reaches the terminal as it is.
func TestHumanOutputDefusesWhatOtherClientsWrote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    Report
		want string // the first line
	}{
		{"an ID that clears the screen", Report{WorkflowID: "redeem-1\x1b[2J\x1b[H", State: "FROZEN", Points: 5, FreezeToken: "t"},
			"redeem-1 [2J [H: FROZEN — 5 points frozen (token t)"},
		{"an ID that reverses what follows", Report{WorkflowID: "redeem-\u202e1842", State: "FROZEN", Points: 5, FreezeToken: "t"},
			"redeem- 1842: FROZEN — 5 points frozen (token t)"},
		{"a state set by another client, with a newline", Report{WorkflowID: "w", State: "CONSUMED\nw2: RELEASED", Points: 5},
			"w: CONSUMED w2: RELEASED — 5 points"},
		{"a state that sets the window title", Report{WorkflowID: "w", State: "\x1b]0;pwned\x07FROZEN", Points: 5},
			"w: ]0;pwned FROZEN — 5 points"},
		{"a member with a zero-width space", Report{WorkflowID: "w", State: "FREEZING", Points: 5, MemberID: "m\u200b1"},
			"w: FREEZING — freezing 5 points of member m 1"},
		{"a CRM message with escapes", Report{WorkflowID: "w", State: "FAILED", Points: 5, Error: "POINT_NOT_ENOUGH\x1b[31m red"},
			"w: FAILED — "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			writeHuman(&out, tt.r)
			first, _, _ := strings.Cut(out.String(), "\n")
			require.True(t, strings.HasPrefix(first, tt.want), "got %q", first)
			for _, r := range out.String() {
				require.False(t, r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)), "%q reached the terminal in %q", r, out.String())
			}
		})
	}
}
