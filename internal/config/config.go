// Package config reads the configuration contract of docs/design.md: the standard
// Temporal envconfig for the connection, the KYLIN_* variables and the flags
// of the same meaning. Flags override variables; every problem is reported
// at once, one line each, naming the variable and the flag.
package config

import (
	"errors"
	"flag"
	"io"
	"time"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/internal/logging"
)

// Config is the worker's configuration.
type Config struct {
	Temporal  Temporal
	TaskQueue string
	CRM       CRM
	// Allowed lists the body values a request may name
	// (KYLIN_CRM_ALLOWED_*); read it with AllowedBody.
	Allowed activities.AllowedBody
	// MaxQPS caps CRM calls per second across all workers of the task
	// queue (DefaultCRMMaxQPS unless set); 0, only in a Config built by
	// hand, is unlimited.
	MaxQPS float64
	// ReconcileEvery, when set, is how often the Schedule of the
	// reconciliation runs; the worker makes sure of it at start.
	ReconcileEvery time.Duration
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// LogMemberData lets logs carry member IDs and CRM messages
	// (KYLIN_LOG_MEMBER_DATA, for debugging).
	LogMemberData bool
	// MetricsAddr is where /metrics, /healthz and /readyz are served; "" is off.
	MetricsAddr string
	// Payload is the payload encryption; its zero value leaves payloads in plaintext.
	Payload Payload
	// Search is how the workflows fill their search attributes.
	Search Search
	// Deployment is the worker's Worker Versioning; its zero value is unversioned.
	Deployment Deployment
}

// Load reads the worker's configuration from args (without the program name)
// and env. It returns flag.ErrHelp for -h/--help, and otherwise Problems
// listing everything wrong.
func Load(args []string, env Env) (Config, error) {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b := newBinder(fs, env)
	b.bind(WorkerSettings...)
	if err := parse(fs, args); err != nil {
		return Config{}, err
	}
	var p Problems
	crmSettings := b.crm(&p)
	cfg := Config{
		Temporal:       b.temporal(),
		TaskQueue:      b.required(&p, TaskQueue),
		CRM:            crmSettings,
		Allowed:        b.allowedBody(&p, crmSettings),
		MaxQPS:         b.maxQPS(&p),
		ReconcileEvery: b.reconcileEvery(&p),
		LogLevel:       b.logLevel(&p),
		MetricsAddr:    b.metricsAddr(&p),
		Payload:        b.payload(&p),
		Search:         b.search(&p, true),
		Deployment:     b.deployment(&p),
	}
	cfg.LogMemberData = b.boolean(&p, LogMemberData)
	cfg.Payload.AllowPlaintext = b.boolean(&p, PayloadAllowPlaintext)
	return cfg, p.Err()
}

// WriteWorkerUsage prints the worker's --help.
func WriteWorkerUsage(w io.Writer) {
	_, _ = io.WriteString(w, "Usage: worker [flags]\n\n"+
		"Runs the kylin-points workflows and CRM activities. Every flag has a variable of the\n"+
		"same meaning; a flag wins over its variable. The Temporal connection also follows the\n"+
		"SDK's envconfig (TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and its TOML file).\n\n")
	WriteUsage(w, WorkerSettings)
}

// parse parses args, turning flag errors into Problems and rejecting
// positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return Problems{escapeControl(err.Error())}
	}
	if fs.NArg() > 0 {
		return Problems{sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func (b *binder) logLevel(p *Problems) string {
	v := b.value(LogLevel)
	if _, err := logging.ParseLevel(v); err != nil {
		p.add(LogLevel, "%v", err)
	}
	return v
}
