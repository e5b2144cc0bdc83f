package crmcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/crmcheck"
)

// Ctrl-C (SIGINT) or a service manager's SIGTERM in the middle of the
// sequence stops it, never the settling: the probe releases what it froze
// before it exits, says it was interrupted, exits 1, and the ledger holds
// nothing frozen.
func TestProbeInterrupted(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			const member = "interrupted-member"
			// Every request takes 300ms, so the signal lands mid-sequence.
			p := startProbe(ctx, t, sandbox.ProfileDefault, member, 10, "-latency", "1", "-latency-duration", "300ms")
			cmd := exec.CommandContext(ctx, p.bin, "crm-check", "--member", member, "--yes", "--json")
			cmd.Env = p.env()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Start())

			require.Eventually(t, func() bool {
				b, err := p.sb.Admin().Balance(ctx, member)
				return err == nil && b.Frozen > 0
			}, time.Minute, 20*time.Millisecond, "the first freeze lands")
			require.NoError(t, cmd.Process.Signal(sig))
			err := cmd.Wait()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "stderr: %s", stderr.String())
			require.Equal(t, 1, exit.ExitCode(), "stderr: %s", stderr.String())

			var rep crmcheck.Report
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
			require.True(t, rep.Interrupted)
			require.Empty(t, rep.LeftFrozen)
			require.Less(t, len(rep.Steps), 12, "the sequence stopped early: %+v", rep.Steps)
			require.Equal(t, "starter: crm-check: interrupted before the end of the sequence; nothing the check froze stays frozen\n", stderr.String())

			b, err := p.sb.Admin().Balance(ctx, member)
			require.NoError(t, err)
			require.Zero(t, b.Frozen, "the probe released what it froze: %+v", rep.Steps)
			require.Equal(t, 10.0, b.Available)
			require.NoError(t, p.sb.Admin().Check(ctx))
			for _, s := range rep.Steps {
				require.False(t, strings.HasPrefix(s.Step, "balance"), "no balance path given")
			}
		})
	}
}
