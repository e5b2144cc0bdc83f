package config

import (
	"flag"
	"strings"
)

// binder registers settings as string flags whose defaults come from the
// environment, so that a flag overrides its variable, and reads them back
// after parsing. Parsing and checking happen afterwards, so that every
// problem is reported at once rather than the first one flag meets.
type binder struct {
	fs   *flag.FlagSet
	env  Env
	vals map[string]*string
}

func newBinder(fs *flag.FlagSet, env Env) *binder {
	return &binder{fs: fs, env: env, vals: map[string]*string{}}
}

// bind registers s. A setting without a flag is read from the environment only.
func (b *binder) bind(settings ...Setting) {
	for _, s := range settings {
		def := b.env.get(s.Env, s.Default)
		switch {
		case s == TemporalAddress || s == TemporalNamespace:
			// envconfig reads the variable (and the profile); the flag only overrides it.
			b.vals[s.Env] = b.fs.String(s.Flag, "", s.Help)
		case s.Flag == "":
			b.vals[s.Env] = &def
		case s.Switch:
			v := switchValue(def)
			b.fs.Var(&v, s.Flag, s.Help)
			b.vals[s.Env] = (*string)(&v)
		default:
			b.vals[s.Env] = b.fs.String(s.Flag, def, s.Help)
		}
	}
}

// value is the setting's value, trimmed of surrounding spaces.
func (b *binder) value(s Setting) string {
	if p := b.vals[s.Env]; p != nil {
		return strings.TrimSpace(*p)
	}
	return ""
}

// raw is the setting's value as given: for a secret, every byte counts.
func (b *binder) raw(s Setting) string {
	if p := b.vals[s.Env]; p != nil {
		return *p
	}
	return ""
}

func (b *binder) temporal() Temporal {
	return Temporal{Address: b.value(TemporalAddress), Namespace: b.value(TemporalNamespace), Env: b.env}
}

// required records a problem when s is empty.
func (b *binder) required(p *Problems, s Setting) string {
	v := b.value(s)
	if v == "" {
		p.add(s, "is required")
	}
	return v
}

// switchValue is the flag.Value of a Switch setting: a string that a bare
// --flag sets to "true", as the flag package does for a boolean flag.
type switchValue string

func (v *switchValue) String() string     { return string(*v) }
func (v *switchValue) Set(s string) error { *v = switchValue(s); return nil }
func (v *switchValue) IsBoolFlag() bool   { return true }
