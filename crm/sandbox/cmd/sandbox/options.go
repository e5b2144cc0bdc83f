package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/secretfile"
)

// options is the command line, after environment fallbacks.
type options struct {
	addr, db, service, secret, adminToken             string
	secretFromDefault                                 bool
	memberTypes                                       []string
	demo                                              bool
	seed                                              int64
	freezePath, releasePath, consumePath, balancePath string
	faults                                            sandbox.FaultRates
	profile                                           sandbox.Profile
}

// envLookup reads one environment variable.
type envLookup func(string) string

// parseOptions reads flags; every flag falls back to the environment variable
// named in its help, then to its default. A malformed value is an error
// naming the flag or variable.
func parseOptions(args []string, getenv envLookup, usage io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.Usage = func() {
		fmt.Fprintln(usage, "Usage: sandbox [flags]\n\nRuns the Kylin CRM sandbox: signed freeze/release/consume endpoints, a balance\nquery and the admin API under /sandbox/. Each flag falls back to the variable named.")
		fs.PrintDefaults()
	}
	env := fallbacks{getenv: getenv}
	fs.StringVar(&o.addr, "addr", env.str("KYLIN_SANDBOX_ADDR", "127.0.0.1:8088"), "listen `address` (env KYLIN_SANDBOX_ADDR)")
	fs.StringVar(&o.db, "db", env.str("KYLIN_SANDBOX_DB", ""), "SQLite ledger `file`; empty keeps it in memory and nothing survives (env KYLIN_SANDBOX_DB)")
	fs.StringVar(&o.service, "service", env.str("KYLIN_CRM_SERVICE_NAME", sandbox.DemoServiceName), "the caller's gateway serviceName (env KYLIN_CRM_SERVICE_NAME)")
	secret := fs.String("secret", "", "refused: a secret on the command line shows in ps; use -secret-file or KYLIN_CRM_SERVICE_SECRET")
	secretFile := fs.String("secret-file", "", "read the caller's gateway secret from `file`; default the dev stack's demo secret (env KYLIN_CRM_SERVICE_SECRET_FILE, or the secret itself in KYLIN_CRM_SERVICE_SECRET)")
	adminTokenFile := fs.String("admin-token-file", "", "read the admin API's bearer token from `file` (env KYLIN_SANDBOX_ADMIN_TOKEN_FILE, or the token itself in KYLIN_SANDBOX_ADMIN_TOKEN); without one the admin API answers same-origin calls only")
	memberTypes := fs.String("member-types", env.str("KYLIN_SANDBOX_MEMBER_TYPES", ""), "comma `list` of memberTypes the caller may use; empty means any (env KYLIN_SANDBOX_MEMBER_TYPES)")
	fs.BoolVar(&o.demo, "demo", env.boolean("KYLIN_SANDBOX_DEMO", true), "create the demo members that are missing (env KYLIN_SANDBOX_DEMO)")
	fs.Int64Var(&o.seed, "seed", env.int64("KYLIN_SANDBOX_SEED", 1), "seed of the fault generator (env KYLIN_SANDBOX_SEED)")
	fs.StringVar(&o.freezePath, "freeze-path", env.str("KYLIN_CRM_FREEZE_PATH", crm.DefaultFreezePath), "freeze endpoint `path` (env KYLIN_CRM_FREEZE_PATH)")
	fs.StringVar(&o.releasePath, "release-path", env.str("KYLIN_CRM_RELEASE_PATH", crm.DefaultReleasePath), "release endpoint `path` (env KYLIN_CRM_RELEASE_PATH)")
	fs.StringVar(&o.consumePath, "consume-path", env.str("KYLIN_CRM_CONSUME_PATH", crm.DefaultConsumePath), "consume endpoint `path` (env KYLIN_CRM_CONSUME_PATH)")
	fs.StringVar(&o.balancePath, "balance-path", env.str("KYLIN_SANDBOX_BALANCE_PATH", sandbox.DefaultBalancePath), "balance query `path` (env KYLIN_SANDBOX_BALANCE_PATH)")
	fs.Float64Var(&o.faults.FailBefore, "fail-before", env.float("KYLIN_SANDBOX_FAIL_BEFORE", 0), "`rate` of 500/503 before commit, every operation (env KYLIN_SANDBOX_FAIL_BEFORE)")
	fs.Float64Var(&o.faults.FailAfter, "fail-after", env.float("KYLIN_SANDBOX_FAIL_AFTER", 0), "`rate` of answers lost after commit: dropped connection or 502 (env KYLIN_SANDBOX_FAIL_AFTER)")
	fs.Float64Var(&o.faults.Latency, "latency", env.float("KYLIN_SANDBOX_LATENCY", 0), "`rate` of requests delayed by -latency-duration (env KYLIN_SANDBOX_LATENCY)")
	fs.Float64Var(&o.faults.TooMany, "too-many", env.float("KYLIN_SANDBOX_TOO_MANY", 0), "`rate` of 429 answers with Retry-After (env KYLIN_SANDBOX_TOO_MANY)")
	fs.DurationVar(&o.faults.LatencyDuration, "latency-duration", env.duration("KYLIN_SANDBOX_LATENCY_DURATION", sandbox.DefaultLatency), "added latency (env KYLIN_SANDBOX_LATENCY_DURATION)")
	fs.DurationVar(&o.faults.RetryAfter, "retry-after", env.duration("KYLIN_SANDBOX_RETRY_AFTER", sandbox.DefaultRetryAfter), "Retry-After of 429 and 503 (env KYLIN_SANDBOX_RETRY_AFTER)")
	profile := fs.String("profile", env.str("KYLIN_SANDBOX_PROFILE", sandbox.ProfileDefault), "answer as the CRM `name`d: default, other-codes, no-success, settled-not-found or short-memory (env KYLIN_SANDBOX_PROFILE)")
	tokenTTL := fs.Duration("token-ttl", env.duration("KYLIN_SANDBOX_TOKEN_TTL", 0), "forget a token this long after its first answer; 0 keeps the profile's (env KYLIN_SANDBOX_TOKEN_TTL)")
	tokenMemory := fs.Int("token-memory", int(env.int64("KYLIN_SANDBOX_TOKEN_MEMORY", 0)), "remember only the last `N` tokens; 0 keeps the profile's (env KYLIN_SANDBOX_TOKEN_MEMORY)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if env.err != nil {
		return options{}, env.err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, t := range strings.Split(*memberTypes, ",") {
		if t = strings.TrimSpace(t); t != "" {
			o.memberTypes = append(o.memberTypes, t)
		}
	}
	if *secret != "" {
		return options{}, errors.New("-secret shows the secret to every local user (ps): give it with -secret-file or KYLIN_CRM_SERVICE_SECRET")
	}
	var err error
	o.secret, o.secretFromDefault, err = resolveSecret(*secretFile, getenv)
	if err != nil {
		return options{}, err
	}
	if o.adminToken, err = resolveAdminToken(*adminTokenFile, getenv); err != nil {
		return options{}, err
	}
	if o.service == "" {
		return options{}, errors.New("-service (KYLIN_CRM_SERVICE_NAME) must not be empty")
	}
	if o.profile, err = sandbox.ProfileNamed(*profile); err != nil {
		return options{}, fmt.Errorf("-profile (KYLIN_SANDBOX_PROFILE): %w", err)
	}
	if *tokenTTL < 0 || *tokenMemory < 0 {
		return options{}, errors.New("-token-ttl and -token-memory must not be negative")
	}
	if *tokenTTL > 0 {
		o.profile.TokenTTL = *tokenTTL
	}
	if *tokenMemory > 0 {
		o.profile.TokenMemory = *tokenMemory
	}
	if err := o.faults.Validate(); err != nil {
		return options{}, fmt.Errorf("fault flags: %w", err)
	}
	return o, nil
}

// resolveAdminToken reads the admin token: -admin-token-file, then
// KYLIN_SANDBOX_ADMIN_TOKEN_FILE, then KYLIN_SANDBOX_ADMIN_TOKEN; "" none.
func resolveAdminToken(flagFile string, getenv envLookup) (string, error) {
	file := flagFile
	if file == "" {
		file = getenv("KYLIN_SANDBOX_ADMIN_TOKEN_FILE")
	}
	if file == "" {
		return getenv("KYLIN_SANDBOX_ADMIN_TOKEN"), nil
	}
	t, err := secretfile.Read(file)
	if err != nil {
		return "", fmt.Errorf("admin token file %w", err)
	}
	if t == "" {
		return "", fmt.Errorf("admin token file %s is empty", file)
	}
	return t, nil
}

// resolveSecret picks the secret: -secret-file, then the secret or its file
// from the environment, then the demo secret. Giving both forms in the
// environment is an error.
func resolveSecret(flagFile string, getenv envLookup) (string, bool, error) {
	levels := []struct{ value, file, what string }{
		{"", flagFile, "-secret-file"},
		{getenv("KYLIN_CRM_SERVICE_SECRET"), getenv("KYLIN_CRM_SERVICE_SECRET_FILE"), "KYLIN_CRM_SERVICE_SECRET and KYLIN_CRM_SERVICE_SECRET_FILE"},
	}
	for _, l := range levels {
		switch {
		case l.value != "" && l.file != "":
			return "", false, fmt.Errorf("give only one of %s", l.what)
		case l.value != "":
			return l.value, false, nil
		case l.file != "":
			s, err := secretfile.Read(l.file)
			if err != nil {
				return "", false, fmt.Errorf("secret file %w", err)
			}
			if s == "" {
				return "", false, fmt.Errorf("secret file %s is empty", l.file)
			}
			return s, false, nil
		}
	}
	return sandbox.DemoSecret, true, nil
}

// fallbacks reads flag defaults from the environment, keeping the first
// malformed value as err.
type fallbacks struct {
	getenv envLookup
	err    error
}

func (f *fallbacks) str(name, def string) string {
	if v := f.getenv(name); v != "" {
		return v
	}
	return def
}

func parseEnv[T any](f *fallbacks, name, kind string, def T, parse func(string) (T, error)) T {
	v := f.getenv(name)
	if v == "" {
		return def
	}
	x, err := parse(v)
	if err != nil {
		if f.err == nil {
			f.err = fmt.Errorf("%s=%q is not a valid %s", name, v, kind)
		}
		return def
	}
	return x
}

func (f *fallbacks) boolean(name string, def bool) bool {
	return parseEnv(f, name, "boolean", def, strconv.ParseBool)
}

func (f *fallbacks) int64(name string, def int64) int64 {
	return parseEnv(f, name, "integer", def, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })
}

func (f *fallbacks) float(name string, def float64) float64 {
	return parseEnv(f, name, "number", def, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
}

func (f *fallbacks) duration(name string, def time.Duration) time.Duration {
	return parseEnv(f, name, "duration", def, time.ParseDuration)
}
