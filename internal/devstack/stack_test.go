package devstack_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/internal/devstack"
	"github.com/kylinpoints/kylin-points/internal/listen"
	"github.com/kylinpoints/kylin-points/workflows"
)

const freeAddr = "127.0.0.1:0"

// TestStackRunsDemoToConsumed starts the whole stack in memory on free ports,
// redeems the demo points, and checks that the Web UI serves its page and
// lists the demo run.
func TestStackRunsDemoToConsumed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var progress strings.Builder
	stack, err := devstack.Start(ctx, devstack.Options{
		Memory: true, TemporalAddr: freeAddr, UIAddr: freeAddr, SandboxAddr: freeAddr, Progress: &progress,
	})
	require.NoError(t, err)
	defer stack.Stop()
	require.NotEqual(t, devstack.DefaultTemporalAddr, stack.TemporalAddr(), "port 0 must pick a free port")

	var out strings.Builder
	st, err := stack.RunDemo(ctx, &out)
	require.NoError(t, err, out.String())
	require.Equal(t, workflows.StateConsumed, st.State)
	require.Equal(t, devstack.DemoMember, st.MemberID)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3, out.String())
	for i, state := range []workflows.State{workflows.StateFreezing, workflows.StateFrozen, workflows.StateConsumed} {
		require.Contains(t, lines[i], string(state))
		require.Contains(t, lines[i], st.WorkflowID)
		if i > 0 { // the run and its link exist once redeem has answered
			require.Contains(t, lines[i], stack.UIURL()+"/namespaces/default/workflows/"+st.WorkflowID+"/")
		}
	}

	page := get(t, stack.UIURL()+"/")
	require.Contains(t, strings.ToLower(page), "<!doctype html>")
	require.Contains(t, get(t, stack.UIURL()+"/api/v1/namespaces/default/workflows"), st.WorkflowID)

	var ready strings.Builder
	stack.WriteReady(&ready)
	require.Contains(t, ready.String(), "KYLIN_CRM_BASE_URL="+stack.SandboxURL())
	require.Contains(t, ready.String(), "TEMPORAL_ADDRESS="+stack.TemporalAddr())

	stack.Stop()
	require.Contains(t, progress.String(), "stopping Temporal server")
	_, err = net.DialTimeout("tcp", stack.TemporalAddr(), time.Second)
	require.Error(t, err, "the frontend must be closed after Stop")
}

// TestStartRejectsBusyPort checks that a taken address stops Start before
// anything runs, naming the address and the flag that changes it.
func TestStartRejectsBusyPort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		set  func(o *devstack.Options, addr string)
		flag string
	}{
		{"temporal", func(o *devstack.Options, a string) { o.TemporalAddr = a }, devstack.FlagTemporalAddr},
		{"ui", func(o *devstack.Options, a string) { o.UIAddr = a }, devstack.FlagUIAddr},
		{"sandbox", func(o *devstack.Options, a string) { o.SandboxAddr = a }, devstack.FlagSandboxAddr},
		{"metrics", func(o *devstack.Options, a string) { o.MetricsAddr = a }, devstack.FlagMetricsAddr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			busy, err := net.Listen("tcp", freeAddr)
			require.NoError(t, err)
			defer busy.Close()
			opts := devstack.Options{Memory: true, TemporalAddr: freeAddr, UIAddr: freeAddr, SandboxAddr: freeAddr}
			tt.set(&opts, busy.Addr().String())

			stack, err := devstack.Start(context.Background(), opts)
			require.Nil(t, stack)
			var inUse *listen.InUseError
			require.ErrorAs(t, err, &inUse)
			require.Equal(t, busy.Addr().String(), inUse.Addr)
			require.Equal(t, busy.Addr().String()+" is already in use (another dev stack or Temporal server?); choose another address with -"+tt.flag,
				err.Error(), "one line naming the address and the flag that changes it")
		})
	}
}

// TestStartRejectsBadAddress checks that an address that is not host:port
// with an IP host fails at once, naming the flag.
func TestStartRejectsBadAddress(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"7233", "example.invalid:7233"} {
		_, err := devstack.Start(context.Background(), devstack.Options{Memory: true, TemporalAddr: addr})
		require.Error(t, err, addr)
		require.False(t, errors.As(err, new(*listen.InUseError)), addr)
		require.Contains(t, err.Error(), "-"+devstack.FlagTemporalAddr, addr)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	return string(body)
}
