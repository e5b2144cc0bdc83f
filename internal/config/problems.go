package config

import "strings"

// Problems is every configuration mistake found at once, one line each,
// each line naming the variable and its flag. It never holds a secret.
type Problems []string

// Error joins the problems, one per line.
func (p Problems) Error() string { return strings.Join(p, "\n") }

// add records a problem about s, naming its variable and flag.
func (p *Problems) add(s Setting, format string, args ...any) {
	*p = append(*p, s.Name()+" "+sprintf(format, args...))
}

// Err returns p as an error, or nil when there is no problem.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}
