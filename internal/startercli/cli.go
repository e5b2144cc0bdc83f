// Package startercli is the starter command without its main: redeem,
// confirm, cancel, status, freeze, consume, release, list and crm-check (the
// one that talks to the CRM, not to Temporal), with the
// flags, JSON fields and exit codes of docs/design.md. It starts workflows by name, so it needs the
// workflows' types but not their code, and never the Temporal server.
package startercli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/logging"
	"github.com/kylinpoints/kylin-points/internal/safetext"
	"github.com/kylinpoints/kylin-points/internal/tracing"
)

// Exit statuses (docs/design.md, Configuration contract): users' scripts rely on them.
const (
	// ExitOK: the command did what was asked.
	ExitOK = 0
	// ExitFailed: the CRM rejected, or the command could not be carried out
	// (workflow not found, update refused, Temporal unreachable).
	ExitFailed = 1
	// ExitUsage: bad usage; nothing was sent to Temporal.
	ExitUsage = 2
)

// dialTimeout bounds connecting to Temporal.
const dialTimeout = 15 * time.Second

// Run runs the starter with args (without the program name), reading
// settings from env (os.Getenv in production). It checks the command line
// completely before it contacts Temporal, prints results on stdout and one
// line per failure on stderr, and returns the exit status.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) int {
	if code, ok := runDirect(ctx, args, stdout, stderr, config.Env(env)); ok {
		return code
	}
	inv, code, done := parse(args, stdout, stderr, config.Env(env))
	if done {
		return code
	}
	opts, err := config.ClientOptions(inv.common.Temporal)
	if err != nil {
		return fail(stderr, ExitUsage, err.Error())
	}
	logger, err := logging.New(inv.common.LogLevel)
	if err != nil {
		return fail(stderr, ExitUsage, err.Error())
	}
	defer func() { _ = logger.Sync() }()
	opts.Logger = logging.NewSDKLogger(logger)
	// With a key file, what the starter sends (member, description) is
	// encrypted before it leaves the process, and what it reads is decrypted.
	opts.DataConverter = inv.common.Payload.DataConverter()
	opts.FailureConverter = inv.common.Payload.FailureConverter()
	// With an OTLP endpoint set, the start, update and query are traced,
	// and the worker's spans join the same trace.
	tr, err := tracing.FromEnv(ctx, env, "kylin-points-starter")
	if err != nil {
		return fail(stderr, ExitUsage, err.Error())
	}
	defer func() { _ = tr.Close() }()
	opts.Interceptors = append(opts.Interceptors, tr.ClientInterceptors()...)

	if opts.Identity == "" {
		// The identity resolve records is the one the server sees.
		opts.Identity = (&App{}).identity()
	}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	c, err := client.DialContext(dctx, opts)
	cancel()
	if err != nil {
		msg := fmt.Sprintf("cannot reach Temporal at %s (namespace %s): %v", opts.HostPort, opts.Namespace, err)
		if inv.json {
			writeJSON(stdout, Report{WorkflowID: inv.req.id, Error: safetext.Line(msg, maxLineChars)})
		}
		return fail(stderr, ExitFailed, msg)
	}
	defer c.Close()
	app := &App{Client: c, Namespace: opts.Namespace, Identity: opts.Identity, TaskQueue: inv.common.TaskQueue, UIURL: inv.common.UIURL, Stdout: stdout, Stderr: stderr}
	return app.execute(ctx, inv)
}

// App runs starter commands on an existing client: tests and the dev stack
// use it. Empty fields take the value the command line, the environment or
// the default gives (for the environment, only the KYLIN_* variables: the
// client is already connected).
type App struct {
	Client    client.Client
	Namespace string
	TaskQueue string
	// UIURL is the Web UI base of the links printed, e.g. http://localhost:8233.
	UIURL  string
	Stdout io.Writer
	Stderr io.Writer
	// Env is read for the KYLIN_* variables; nil means none are set.
	Env func(string) string
	// FreezeWait bounds how long redeem and freeze wait for the freeze; 0 means
	// the workflows' freeze timeout plus 30s.
	FreezeWait time.Duration
	// PollerCheck is how long redeem and freeze wait for the freeze before
	// they check that a worker polls the task queue, and say so on stderr
	// when none does; 0 means 3s.
	PollerCheck time.Duration
	// Search is how list writes the member it filters on; set from the
	// command line and the environment on every run.
	Search config.Search
	// Identity is the client's identity, recorded by resolve; "" means the
	// SDK's default form, pid@host.
	Identity string
}

// Run runs one command line, as the package's Run does, on a.Client.
func (a *App) Run(ctx context.Context, args []string) int {
	stdout, stderr := orDiscard(a.Stdout), orDiscard(a.Stderr)
	if code, ok := runDirect(ctx, args, stdout, stderr, config.Env(a.Env)); ok {
		return code
	}
	inv, code, done := parse(args, stdout, stderr, config.Env(a.Env))
	if done {
		return code
	}
	app := *a
	app.Stdout, app.Stderr = stdout, stderr
	app.Namespace = cmp.Or(app.Namespace, inv.common.Temporal.Namespace, client.DefaultNamespace)
	app.TaskQueue = cmp.Or(app.TaskQueue, inv.common.TaskQueue)
	app.UIURL = strings.TrimRight(cmp.Or(app.UIURL, inv.common.UIURL), "/")
	return app.execute(ctx, inv)
}

// invocation is a parsed, checked command line.
type invocation struct {
	cmd    *command
	req    request
	json   bool
	common config.Starter
}

// parse reads the command line. When done is true the starter must exit
// with code: help was printed, or the usage was bad (one line on stderr).
func parse(args []string, stdout, stderr io.Writer, env config.Env) (inv invocation, code int, done bool) {
	if len(args) == 0 {
		return inv, fail(stderr, ExitUsage, "no command given (one of "+commandNames()+"; see starter --help)"), true
	}
	name := args[0]
	if len(args) > 1 && findCommand(name+" "+args[1]) != nil {
		// A command of two words: schedule create.
		name, args = name+" "+args[1], args[1:]
	}
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && name == "help" {
			if c := findCommand(args[1]); c != nil {
				c.writeHelp(stdout)
				return inv, ExitOK, true
			}
			return inv, fail(stderr, ExitUsage, fmt.Sprintf("unknown command %q (one of %s)", args[1], commandNames())), true
		}
		writeTopHelp(stdout)
		return inv, ExitOK, true
	}
	cmd := findCommand(name)
	if cmd == nil {
		return inv, fail(stderr, ExitUsage, fmt.Sprintf("unknown command %q (one of %s; see starter --help)", name, commandNames())), true
	}
	fs, in, asJSON, readCommon := cmd.newFlagSet(env)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			cmd.writeHelp(stdout)
			return inv, ExitOK, true
		}
		return inv, usageError(stderr, cmd.name, err.Error()), true
	}
	if fs.NArg() > 0 {
		return inv, usageError(stderr, cmd.name, fmt.Sprintf("unexpected argument %q", fs.Arg(0))), true
	}
	req, problems := cmd.check(*in)
	common, settingProblems := readCommon()
	problems = append(problems, settingProblems...)
	if len(problems) > 0 {
		return inv, usageError(stderr, cmd.name, strings.Join(problems, "; ")), true
	}
	return invocation{cmd: cmd, req: req, json: *asJSON, common: common}, 0, false
}

func (a *App) execute(ctx context.Context, inv invocation) int {
	a.Search = inv.common.Search
	out := inv.cmd.run(a, ctx, inv.req)
	reports := out.list
	if !out.isList {
		reports = []Report{out.report}
	}
	for _, r := range reports {
		r.UIURL = a.link(r.WorkflowID, r.RunID)
		if inv.json {
			writeJSON(a.Stdout, r)
		} else {
			writeHuman(a.Stdout, r)
		}
	}
	for _, w := range out.warnings {
		fmt.Fprintln(a.Stderr, "starter: "+safetext.Line(w, maxLineChars))
	}
	if out.problem != "" {
		return fail(a.Stderr, out.code(), payloadHint(out.problem))
	}
	return out.code()
}

func usageError(stderr io.Writer, name, msg string) int {
	return fail(stderr, ExitUsage, fmt.Sprintf("%s: %s (see starter %s --help)", name, msg, name))
}

// fail prints the one line of a failure and returns code.
func fail(stderr io.Writer, code int, msg string) int {
	fmt.Fprintln(stderr, "starter: "+safetext.Line(msg, maxLineChars))
	return code
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
