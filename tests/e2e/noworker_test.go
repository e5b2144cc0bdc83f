package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// noWorkerWithin bounds how soon redeem and freeze must say that no worker
// polls: the starter checks after 3s; the rest is the binary's start and a
// loaded machine.
const noWorkerWithin = 20 * time.Second

// TestStarterSaysWhenNoWorkerPolls runs the real starter binary's redeem
// (with --json) and freeze against a task queue that no worker polls: each
// says so on stderr in one line within seconds, naming the task queue and
// the namespace, and keeps waiting; a worker started afterwards settles the
// freeze, and the command ends FROZEN, its stdout as clean as ever.
func TestStarterSaysWhenNoWorkerPolls(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	taskQueue := testenv.UniqueName("no-worker-yet")
	c := newCLI(t, tp.HostPort(), tp.Namespace(), taskQueue)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	member := testenv.Grant(ctx, t, sb.Server, 100)
	redeemID, freezeID := testenv.UniqueName("redeem-waits"), testenv.UniqueName("freeze-waits")
	want := "starter: no worker has polled task queue " + taskQueue + " in namespace " + tp.Namespace() + " in the last 2m0s: still waiting for the freeze"

	redeem := startWaiting(ctx, t, c, "redeem", "--member", member, "--points", "3", "--description", "no worker yet", "--id", redeemID, "--json")
	freeze := startWaiting(ctx, t, c, "freeze", "--member", member, "--points", "2", "--description", "no worker yet", "--id", freezeID)
	for _, w := range []*waiting{redeem, freeze} {
		line, err := w.firstLine(noWorkerWithin)
		require.NoError(t, err, "%s said nothing on stderr within %s", w.args[0], noWorkerWithin)
		require.True(t, strings.HasPrefix(line, want), "%s: %q", w.args[0], line)
		require.False(t, w.exited(), "%s must keep waiting", w.args[0])
	}

	testenv.RunWorker(t, tp, testenv.WorkerConfig(sb.URL, taskQueue), workerapp.Options{})
	for _, w := range []*waiting{redeem, freeze} {
		code, stdout, stderr := w.wait(t)
		require.Equal(t, 0, code, "%s\nstdout: %s\nstderr: %s", w.args[0], stdout, stderr)
		require.Equal(t, 1, strings.Count(stderr, "\n"), "the one line, no other: %q", stderr)
		if w == redeem {
			require.Equal(t, 1, strings.Count(stdout, "\n"), "one JSON object: %q", stdout)
			require.Contains(t, stdout, `"state":"FROZEN"`)
		} else {
			require.True(t, strings.HasPrefix(stdout, freezeID+": FROZEN"), stdout)
		}
	}
	testenv.RequireBalance(ctx, t, sb.Server, member, 100, 95, 5, 0)
	_, _, err := workflows.Decide(ctx, tp.Client, redeemID, workflows.UpdateCancel, 0)
	require.NoError(t, err)
}

// waiting is a starter command running in the background, its stderr read
// line by line as it comes.
type waiting struct {
	args   []string
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
	lines  chan string
	done   chan struct{}
}

func startWaiting(ctx context.Context, t *testing.T, c cli, args ...string) *waiting {
	t.Helper()
	w := &waiting{args: args, lines: make(chan string, 16), done: make(chan struct{})}
	w.cmd = exec.CommandContext(ctx, c.bin, args...)
	w.cmd.Env = c.env
	w.cmd.Stdout = &w.stdout
	pipe, err := w.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, w.cmd.Start())
	go func() {
		defer close(w.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			w.stderr.WriteString(sc.Text() + "\n")
			w.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			_ = w.cmd.Wait()
		}
	})
	return w
}

// firstLine is the first line on stderr, within d.
func (w *waiting) firstLine(d time.Duration) (string, error) {
	select {
	case l := <-w.lines:
		return l, nil
	case <-time.After(d):
		return "", context.DeadlineExceeded
	}
}

// exited reports whether the command has ended (its stderr closed).
func (w *waiting) exited() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// wait waits for the command's end: exit status, stdout, stderr.
func (w *waiting) wait(t *testing.T) (int, string, string) {
	t.Helper()
	<-w.done
	err := w.cmd.Wait()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		require.NoError(t, err)
	}
	return w.cmd.ProcessState.ExitCode(), w.stdout.String(), w.stderr.String()
}
