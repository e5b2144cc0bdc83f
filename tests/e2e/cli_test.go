package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// cli runs the starter binary as a user does: configured only through the
// documented environment variables.
type cli struct {
	bin string
	env []string
}

// newCLI builds the starter and points it at a Temporal frontend, a
// namespace and a task queue.
func newCLI(t *testing.T, hostPort, namespace, taskQueue string, extra ...string) cli {
	t.Helper()
	env := testenv.Env(append([]string{
		"TEMPORAL_ADDRESS=" + hostPort,
		"TEMPORAL_NAMESPACE=" + namespace,
		"KYLIN_TASK_QUEUE=" + taskQueue,
	}, extra...)...)
	return cli{bin: testenv.Binary(t, "./starter"), env: env}
}

// report is the starter's --json output, decoded by the field names
// docs/design.md promises (Configuration contract).
type report struct {
	WorkflowID  string  `json:"workflowId"`
	State       string  `json:"state"`
	MemberID    string  `json:"memberId"`
	Points      float64 `json:"points"`
	FreezeToken string  `json:"freezeToken"`
	Decision    string  `json:"decision"`
	Error       string  `json:"error"`
}

// alwaysPresent are the JSON fields every --json answer carries.
var alwaysPresent = []string{"workflowId", "state", "memberId", "points", "freezeToken"}

// runJSON runs one starter command with --json, checks that it exits with
// code and prints exactly one JSON object holding the promised fields, and
// returns it with the run's stderr.
func (c cli) runJSON(ctx context.Context, t *testing.T, code int, args ...string) (report, string) {
	t.Helper()
	res := testenv.RunCommand(ctx, t, c.bin, c.env, append(args, "--json")...)
	require.Equal(t, code, res.Code, "starter %v\nstdout: %s\nstderr: %s", args, res.Stdout, res.Stderr)

	dec := json.NewDecoder(strings.NewReader(res.Stdout))
	var fields map[string]json.RawMessage
	require.NoError(t, dec.Decode(&fields), "stdout: %q", res.Stdout)
	require.False(t, dec.More(), "more than one JSON value on stdout: %q", res.Stdout)
	for _, f := range alwaysPresent {
		require.Contains(t, fields, f, "stdout: %s", res.Stdout)
	}
	var r report
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &r))
	if code != 0 {
		require.NotEmpty(t, r.Error, "a failure must say why in the error field: %s", res.Stdout)
	}
	return r, res.Stderr
}

// requireOneLine checks that a failure was reported on stderr as one clear
// line naming what went wrong.
func requireOneLine(t *testing.T, stderr string, contains ...string) {
	t.Helper()
	line := strings.TrimSuffix(stderr, "\n")
	require.NotEmpty(t, line, "a failure must print a line on stderr")
	require.NotContains(t, line, "\n", "a failure must print one line on stderr: %q", stderr)
	require.True(t, strings.HasPrefix(line, "starter: "), "stderr: %q", stderr)
	for _, c := range contains {
		require.Contains(t, line, c)
	}
}

// requireNoOutput checks that a command printed nothing on stdout.
func requireNoOutput(t *testing.T, stdout string) {
	t.Helper()
	require.Empty(t, bytes.TrimSpace([]byte(stdout)), "stdout: %q", stdout)
}
