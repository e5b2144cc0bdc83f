package safetext

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"plain", "POINT_NOT_ENOUGH", 0, "POINT_NOT_ENOUGH"},
		{"chinese kept", "积分不足", 10, "积分不足"},
		{"newlines become one space", "line one\r\n\nline two", 0, "line one line two"},
		{"escape sequence defused", "ok\x1b[2J\x1b]0;pwned\x07", 0, "ok [2J ]0;pwned"},
		{"C1 control", "a\u009bb", 0, "a b"},
		{"DEL", "a\x7fb", 0, "a b"},
		{"bidi override", "abc\u202edcba", 0, "abc dcba"},
		{"zero width", "a\u200bb", 0, "a b"},
		{"line separator", "a\u2028b", 0, "a b"},
		{"invalid utf-8", "a\xffb", 0, "a\uFFFDb"},
		{"trimmed", "  \t a \n", 0, "a"},
		{"cut with ellipsis", "abcdef", 4, "abc…"},
		{"exactly max", "abcd", 4, "abcd"},
		{"max counts characters not bytes", "积分积分积分", 3, "积分…"},
		{"trailing space does not count", "abcd   ", 4, "abcd"},
		{"empty", "", 5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Line(tt.in, tt.max))
		})
	}
}

func TestLineOfHugeInputIsBounded(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x\n", 1<<20)
	got := Line(huge, 300)
	require.Len(t, []rune(got), 300)
	require.True(t, strings.HasSuffix(got, ellipsis))
	require.NotContains(t, got, "\n")
}

func TestHasControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"member-1", false},
		{"会员 1", false},
		{"m\n1", true},
		{"m\t1", true},
		{"m\x1b1", true},
		{"m\u202e1", true},
		{"m\u00a01", true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, HasControl(tt.in), "%q", tt.in)
	}
}

// TestHasInvisible: identifiers that would look like another, or like
// nothing, on a terminal.
func TestHasInvisible(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"plain", "order-1842", false},
		{"chinese", "订单-1842", false},
		{"a plain space", "order 1842", false},
		{"emoji", "order-🎁", false},
		{"right-to-left override", "order-\u202e2481", true},
		{"left-to-right isolate", "order-\u2066x", true},
		{"zero-width space", "order\u200b-1842", true},
		{"zero-width joiner", "order\u200d-1842", true},
		{"byte order mark", "\ufefforder", true},
		{"soft hyphen", "or\u00adder", true},
		{"hangul filler", "order\u3164", true},
		{"combining grapheme joiner", "order\u034f", true},
		{"variation selector", "order\ufe0f", true},
		{"no-break space", "order\u00a01842", true},
		{"ideographic space", "order\u30001842", true},
		{"braille blank", "order\u2800", true},
		{"escape", "order\x1b[2J", true},
		{"newline", "order\n1842", true},
		{"not UTF-8", "order\xff", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, HasInvisible(tt.in))
		})
	}
}
