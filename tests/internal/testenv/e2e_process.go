package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Terminate sends SIGTERM, as a service manager does, and waits up to
// timeout for the process to exit, returning its exit status. If it does not
// exit in time it is killed and Terminate returns an error.
func (p *Process) Terminate(timeout time.Duration) (int, error) {
	if !p.Exited() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode(), nil
	case <-time.After(timeout):
		p.Kill()
		return -1, fmt.Errorf("%s did not exit within %s of SIGTERM", p, timeout)
	}
}

// Result is how a command run by RunCommand ended.
type Result struct {
	Stdout, Stderr string
	// Code is the exit status.
	Code int
}

// RunCommand runs bin with exactly env (see Env) and args to its end and
// returns its output and exit status. It fails t when bin cannot run or ctx
// ends first.
func RunCommand(ctx context.Context, t testing.TB, bin string, env []string, args ...string) Result {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "%s %v did not finish in time; stderr: %s", bin, args, stderr.String())
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		require.NoError(t, err, "running %s %v", bin, args)
	}
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: cmd.ProcessState.ExitCode()}
}
