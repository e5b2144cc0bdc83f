package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// TestStarterBinaryBadUsage is the smoke test of the real starter binary on
// a bad command line: exit status 2, one line on stderr, nothing on stdout
// even with --json, and no connection to Temporal (TEMPORAL_ADDRESS points
// at a listener that counts them). Which command lines are bad, and what
// each says, is internal/startercli's table, which needs no binary.
func TestStarterBinaryBadUsage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, dialled := testenv.CountingListener(t)
	c := newCLI(t, addr, "default", "unused")

	res := testenv.RunCommand(ctx, t, c.bin, c.env, "redeem", "--member", "m", "--points", "five", "--description", "d", "--json")
	require.Equal(t, 2, res.Code, "stdout: %s\nstderr: %s", res.Stdout, res.Stderr)
	requireNoOutput(t, res.Stdout)
	requireOneLine(t, res.Stderr, `--points "five" is not a number`)
	require.Zero(t, dialled.Load(), "bad usage must not contact Temporal")
}
