package startercli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
)

// unreachable is a Temporal client whose every call the starter makes fails,
// as when the frontend is down. Any other call panics on the nil interface.
type unreachable struct{ client.Client }

var errUnreachable = errors.New("temporal unreachable")

func (unreachable) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, errUnreachable
}

func (unreachable) DescribeWorkflow(context.Context, string, string) (*client.WorkflowExecutionDescription, error) {
	return nil, errUnreachable
}

func (unreachable) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, errUnreachable
}

func (unreachable) NewWithStartWorkflowOperation(client.StartWorkflowOptions, any, ...any) client.WithStartWorkflowOperation {
	return notStarted{}
}

func (unreachable) UpdateWithStartWorkflow(context.Context, client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, errUnreachable
}

// notStarted is a with-start operation that never started its run.
type notStarted struct{}

func (notStarted) Get(context.Context) (client.WorkflowRun, error) { return nil, errUnreachable }

// FuzzArgs runs arbitrary command lines (NUL separates the arguments): the
// starter never panics, exits 0, 1 or 2, and every failure is one line on
// stderr; bad usage prints nothing on stdout.
func FuzzArgs(f *testing.F) {
	for _, seed := range []string{
		"redeem\x00--member\x00m-1\x00--points\x005\x00--description\x00积分冻结",
		"redeem\x00--member\x00m\x00--points\x001.234\x00--description\x00d",
		"freeze\x00--points\x00NaN",
		"confirm\x00--id\x00redeem-1\x00--json",
		"status\x00--id\x00a\nb",
		"cancel\x00--id",
		"redeem\x00--hold\x00-1s",
		"--help",
		"status\x00-h",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var args []string
		if line != "" {
			args = strings.Split(line, "\x00")
		}
		var stdout, stderr bytes.Buffer
		app := &App{Client: unreachable{}, Namespace: "default", TaskQueue: "q", UIURL: "http://localhost:8233", Stdout: &stdout, Stderr: &stderr, FreezeWait: 1}
		code := app.Run(context.Background(), args)
		switch code {
		case ExitOK:
			if stderr.Len() != 0 {
				t.Fatalf("exit 0 with stderr %q", stderr.String())
			}
		case ExitFailed, ExitUsage:
			if lines := strings.Count(strings.TrimSuffix(stderr.String(), "\n"), "\n"); stderr.Len() == 0 || lines != 0 {
				t.Fatalf("exit %d: stderr is not one line: %q", code, stderr.String())
			}
			if code == ExitUsage && stdout.Len() != 0 {
				t.Fatalf("bad usage printed on stdout: %q", stdout.String())
			}
		default:
			t.Fatalf("exit status %d for %q", code, args)
		}
	})
}
