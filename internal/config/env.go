package config

import (
	"os"
	"strings"
)

// Env reads one environment variable; os.Getenv in production, a map lookup
// in tests. An empty value counts as unset.
type Env func(string) string

// get returns the variable's value, or def when it is unset or empty.
func (e Env) get(name, def string) string {
	if e == nil {
		return def
	}
	if v := e(name); v != "" {
		return v
	}
	return def
}

// LookupEnv makes Env an envconfig.EnvLookup.
func (e Env) LookupEnv(name string) (string, bool) {
	v := e.get(name, "")
	return v, v != ""
}

// Environ makes Env an envconfig.EnvLookup, which scans it for
// TEMPORAL_GRPC_META_* headers. It lists the names of the process's
// variables with the values e gives them: with os.Getenv that is exactly
// os.Environ(); a test's map only contributes the names the process also has.
func (e Env) Environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if v := e.get(name, ""); v != "" {
			out = append(out, name+"="+v)
		}
	}
	return out
}
