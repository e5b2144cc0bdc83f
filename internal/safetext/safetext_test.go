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
