package config

import (
	"flag"
	"strings"
)

// Starter is what every starter command needs besides its own flags.
type Starter struct {
	Temporal  Temporal
	TaskQueue string
	// UIURL is the Web UI base, without a trailing slash.
	UIURL    string
	LogLevel string
	// Payload is the payload encryption; its zero value leaves payloads in plaintext.
	Payload Payload
	// Search is how the member is written in the search attribute list filters on.
	Search Search
}

// BindStarter registers the starter's common flags on fs, with defaults from
// env. After fs.Parse, call the returned function to read and check them.
func BindStarter(fs *flag.FlagSet, env Env) func() (Starter, Problems) {
	b := newBinder(fs, env)
	b.bind(StarterSettings...)
	return func() (Starter, Problems) {
		var p Problems
		s := Starter{
			Temporal:  b.temporal(),
			TaskQueue: b.required(&p, TaskQueue),
			UIURL:     b.required(&p, UIURL),
			LogLevel:  b.logLevel(&p),
			Payload:   b.payload(&p),
			Search:    b.search(&p, false),
		}
		if s.UIURL != "" {
			if why := checkHTTPURL(s.UIURL); why != "" {
				p.add(UIURL, "%s", why)
			}
		}
		s.UIURL = strings.TrimRight(s.UIURL, "/")
		return s, p
	}
}
