package config

import (
	"strconv"
	"strings"
	"unicode"
)

// Problems is every configuration mistake found at once, one line each,
// each line naming the variable and its flag. It never holds a secret.
type Problems []string

// Error joins the problems, one per line.
func (p Problems) Error() string { return strings.Join(p, "\n") }

// add records a problem about s, naming its variable and flag.
func (p *Problems) add(s Setting, format string, args ...any) {
	*p = append(*p, s.Name()+" "+sprintf(format, args...))
}

// escapeControl writes control characters as Go escapes (a newline in an
// argument becomes \n), so that a problem quoting what the user typed fits
// on its line and still shows what was typed. safetext.Line, which the
// starter and the workflows use for outside text, replaces them with a
// space instead: right for a CRM's answer, wrong for a mistake the user must
// find in their own command line.
func escapeControl(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Err returns p as an error, or nil when there is no problem.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}
