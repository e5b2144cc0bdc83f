package testenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
)

// TemporalProcess is a Temporal server in its own process, on SQLite files
// in a data directory, so that it can be SIGKILLed and started again on
// them: the dev binary with everything but its Temporal server turned off
// (what a user runs as `go run ./dev -worker=false -sandbox=false -ui=false`).
type TemporalProcess struct {
	*Process
	// Addr is the frontend's host:port, the same across restarts.
	Addr    string
	dir     string
	logPath string
}

// TemporalNamespace is the namespace the dev binary creates.
const TemporalNamespace = "default"

// StartTemporalProcess runs the dev binary's Temporal server on a free
// loopback port with its files in dir, and waits until it answers.
func StartTemporalProcess(t testing.TB, dir string) *TemporalProcess {
	t.Helper()
	SkipIfShort(t, "starts a Temporal server process")
	tp := &TemporalProcess{Addr: FreeAddr(t), dir: dir, logPath: filepath.Join(dir, "temporal.log")}
	tp.start(t)
	return tp
}

// Restart SIGKILLs the server and starts it again on the same files and
// port, waiting until it answers.
func (tp *TemporalProcess) Restart(t testing.TB) {
	t.Helper()
	tp.Kill()
	tp.start(t)
}

func (tp *TemporalProcess) start(t testing.TB) {
	t.Helper()
	tp.Process = StartProcess(t, "temporal", Binary(t, "./dev"), tp.logPath, Env(),
		"-worker=false", "-sandbox=false", "-ui=false", "-demo=false", "-metrics-addr=",
		"-data-dir", tp.dir, "-temporal-addr", tp.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := DialTemporal(ctx, tp.Addr, TemporalNamespace)
	if err == nil {
		c.Close()
		return
	}
	logs, _ := os.ReadFile(tp.logPath)
	t.Fatalf("temporal at %s: %v; log: %s", tp.Addr, err, logs)
}

// DialTemporal connects to the frontend at addr and waits until it answers
// for namespace, retrying while the server starts (up to ctx's end).
func DialTemporal(ctx context.Context, addr, namespace string) (client.Client, error) {
	var last error
	for {
		c, err := client.DialContext(ctx, client.Options{HostPort: addr, Namespace: namespace, Logger: quietSDKLogger()})
		if err == nil {
			_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
			if err == nil {
				return c, nil
			}
			c.Close()
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no answer from %s (namespace %s): %w (last error: %v)", addr, namespace, ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// quietSDKLogger drops the SDK client's logs: a client of a server that is
// killed on purpose warns on every retry, which says nothing to the test.
func quietSDKLogger() log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}
