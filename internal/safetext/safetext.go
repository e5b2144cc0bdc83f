// Package safetext makes text that comes from outside the process — a CRM's
// answer, a member ID, a description typed by a user — safe to print on one
// line of a terminal, a log or an error message.
package safetext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ellipsis ends text that Line cut short.
const ellipsis = "…"

// Line returns s on one line that a terminal shows as it is: control
// characters (C0, DEL, C1, which a terminal may obey), line and paragraph
// separators and the Unicode format characters that reorder or hide text
// (bidi overrides, zero-width spaces) are replaced by a space; bytes that are
// not UTF-8 become U+FFFD; runs of white space become one space; the ends are
// trimmed. A result longer than max characters is cut to max, the last of
// them an ellipsis (…); max <= 0 means no limit. It reads no more of s than it
// needs, so a huge input costs no more than max.
func Line(s string, max int) string {
	out := make([]rune, 0, min(len(s), max+1))
	space := false
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				r = unicode.ReplacementChar
			}
		}
		if unsafe(r) || unicode.IsSpace(r) {
			space = len(out) > 0
			continue
		}
		if space {
			out, space = append(out, ' '), false
		}
		out = append(out, r)
		if max > 0 && len(out) > max {
			return string(out[:max-1]) + ellipsis
		}
	}
	return string(out)
}

// unsafe reports whether r must not reach a terminal as it is.
func unsafe(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// HasControl reports whether s holds a character that Line would replace,
// other than a plain space: input holding one is refused rather than cleaned.
func HasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r != ' ' && (unsafe(r) || unicode.IsSpace(r)) }) >= 0
}

// HasInvisible reports whether s, an identifier people copy and compare (a
// workflow ID, a Nexus key), holds a character that shows as nothing or
// changes how its neighbours show: what HasControl finds, any white space
// but the plain space, the default-ignorable code points (zero-width
// joiners, the Hangul fillers, the combining grapheme joiner), variation
// selectors, or a byte that is not UTF-8. Two IDs that look the same must
// be the same.
func HasInvisible(s string) bool {
	for i, r := range s {
		switch {
		case r == ' ':
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return true
			}
		case unsafe(r) || unicode.IsSpace(r),
			unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r),
			unicode.Is(unicode.Variation_Selector, r),
			r == '\u2800': // braille blank, drawn as nothing
			return true
		}
	}
	return false
}
