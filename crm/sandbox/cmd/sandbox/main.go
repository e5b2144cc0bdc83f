// Command sandbox runs the Kylin CRM sandbox as a process: the signed
// freeze, release and consume endpoints, the balance query and the admin API
// under /sandbox/ (see package sandbox). Run with -h for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/listen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil))
}

// shutdownTimeout bounds the wait for requests in flight at shutdown.
const shutdownTimeout = 10 * time.Second

// run serves until ctx ends and returns the exit status: 0 after a clean
// shutdown, 1 when the sandbox cannot start, 2 on bad usage. ready, when not
// nil, receives the listening address.
func run(ctx context.Context, args []string, getenv envLookup, stderr io.Writer, ready func(addr string)) int {
	o, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sandbox:", err)
		return 2
	}
	log := newLogger(stderr)
	defer func() { _ = log.Sync() }()

	ln, err := listen.TCP(o.addr, "", "(is another sandbox or dev stack running?); pick another with -addr")
	if err != nil {
		if _, inUse := errors.AsType[*listen.InUseError](err); inUse {
			fmt.Fprintln(stderr, "sandbox:", err)
		} else {
			fmt.Fprintf(stderr, "sandbox: cannot listen on %s: %v\n", o.addr, err)
		}
		return 1
	}
	if o.db == "" {
		log.Warn("no -db given: the ledger is in memory and nothing survives a restart")
	}
	s, err := sandbox.Serve(ctx, ln, sandbox.Config{
		Path:        o.db,
		Callers:     map[string]sandbox.Caller{o.service: {Secret: o.secret, MemberTypes: o.memberTypes}},
		AdminToken:  o.adminToken,
		FreezePath:  o.freezePath,
		ReleasePath: o.releasePath,
		ConsumePath: o.consumePath,
		BalancePath: o.balancePath,
		Faults:      sandbox.AllOperations(o.faults),
		Seed:        o.seed,
		Logger:      log,
		Profile:     o.profile,
	}, o.demo)
	if err != nil {
		_ = ln.Close()
		fmt.Fprintln(stderr, "sandbox:", err)
		return 1
	}
	log.Info("sandbox listening",
		zap.String("addr", "http://"+ln.Addr().String()),
		zap.String("db", dbName(o.db)),
		zap.String("service", o.service),
		zap.Bool("demoSecret", o.secretFromDefault),
		zap.Strings("memberTypes", o.memberTypes),
		zap.Any("faults", o.faults),
		zap.Stringer("profile", o.profile))
	if ready != nil {
		ready(ln.Addr().String())
	}

	select {
	case <-s.Stopped():
		fmt.Fprintln(stderr, "sandbox: serving stopped:", s.Err())
		_ = s.Stop(shutdownTimeout)
		return 1
	case <-ctx.Done():
	}
	log.Info("sandbox shutting down")
	if err := s.Stop(shutdownTimeout); err != nil {
		fmt.Fprintln(stderr, "sandbox:", err)
		return 1
	}
	return 0
}

func dbName(path string) string {
	if path == "" {
		return "in memory"
	}
	return path
}

func newLogger(w io.Writer) *zap.Logger {
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(w), zap.InfoLevel)
	return zap.New(core)
}
