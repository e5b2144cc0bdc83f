// Command dev runs the whole kylin-points system in one process: an embedded
// Temporal server, its Web UI, the CRM sandbox and the worker, then redeems
// a few demo points end to end. Ctrl-C stops it. Nothing is downloaded.
//
//	go run ./dev            # state kept in .kylin-dev/
//	go run ./dev -memory    # nothing kept
//	go run ./dev -payload-key-file keys.txt   # encrypted payloads, UI decodes them
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

	"github.com/kylinpoints/kylin-points/internal/devstack"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	opts, demo, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	opts.Progress = stdout

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	stack, err := devstack.Start(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		_, _ = fmt.Fprintf(stderr, "dev: %v\n", err)
		return 1
	}
	defer stack.Stop()

	runDemo := func() {
		if _, err := stack.RunDemo(ctx, stdout); err != nil && ctx.Err() == nil {
			_, _ = fmt.Fprintf(stderr, "dev: %v\n", err)
		}
	}
	switch {
	case !demo:
		stack.WriteReady(stdout)
	case opts.NoWorker:
		// The demo waits for a worker started elsewhere: say how first.
		stack.WriteReady(stdout)
		runDemo()
	default:
		runDemo()
		stack.WriteReady(stdout)
	}
	<-ctx.Done()
	_, _ = fmt.Fprintln(stdout, "\ninterrupted: shutting down …")
	return 0
}

func parseFlags(args []string, stderr io.Writer) (devstack.Options, bool, error) {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o devstack.Options
	fs.StringVar(&o.DataDir, "data-dir", devstack.DefaultDataDir, "directory for the Temporal and sandbox databases and the log file")
	fs.BoolVar(&o.Memory, "memory", false, "keep everything in memory; nothing survives the process")
	fs.StringVar(&o.TemporalAddr, devstack.FlagTemporalAddr, devstack.DefaultTemporalAddr, "Temporal frontend gRPC host:port")
	fs.StringVar(&o.UIAddr, devstack.FlagUIAddr, devstack.DefaultUIAddr, "Temporal Web UI host:port")
	fs.StringVar(&o.SandboxAddr, devstack.FlagSandboxAddr, devstack.DefaultSandboxAddr, "CRM sandbox host:port")
	fs.StringVar(&o.UICodecEndpoint, "ui-codec-endpoint", "", "remote codec endpoint the Web UI decodes payloads with (empty: none, or this stack's codec server with -payload-key-file)")
	fs.StringVar(&o.MetricsAddr, devstack.FlagMetricsAddr, devstack.DefaultMetricsAddr, "host:port of the worker's /metrics, /healthz, /readyz and the codec server (empty: off)")
	fs.StringVar(&o.PayloadKeyFile, devstack.FlagPayloadKeyFile, "", "encrypt payloads with this key file (id=base64key lines) and serve a codec server for the Web UI (empty: plaintext)")
	fs.StringVar(&o.CodecTokenFile, devstack.FlagCodecTokenFile, "", "file holding the bearer token every codec server request must carry (required when -metrics-addr is not loopback; the Web UI then shows payloads encoded)")
	worker := fs.Bool("worker", true, "run the worker in this process")
	sandbox := fs.Bool("sandbox", true, "run the CRM sandbox")
	ui := fs.Bool("ui", true, "run the Temporal Web UI")
	demo := fs.Bool("demo", true, "redeem demo points end to end once started")
	fs.BoolVar(&o.Verbose, "verbose", false, "show the Temporal server's, SDK's, worker's and sandbox's logs on stderr")
	fs.Usage = func() {
		_, _ = fmt.Fprintf(fs.Output(), "Usage: go run ./dev [flags]\n\n"+
			"Runs an embedded Temporal server, its Web UI, the CRM sandbox and the worker\n"+
			"in one process, then redeems demo points end to end. Ctrl-C stops it.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, false, err
	}
	if fs.NArg() > 0 {
		_, _ = fmt.Fprintf(stderr, "dev: unexpected argument %q\n", fs.Arg(0))
		return o, false, errors.New("unexpected argument")
	}
	o.NoWorker, o.NoSandbox, o.NoUI = !*worker, !*sandbox, !*ui
	return o, *demo, nil
}
