package faults

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/docblock"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// The outage rehearsal's size: the suite runs a short one; the is
// -outage-runs 200 -outage 1m.
var (
	outageRuns = flag.Int("outage-runs", 20, "redemptions in flight during the CRM outage rehearsal")
	outageFor  = flag.Duration("outage", 10*time.Second, "how long the CRM is down in the outage rehearsal")
)

// outageCRM is a sandbox behind a switch: down, every request is answered
// 503 before the sandbox (as a gateway in front of a CRM that is down);
// every request that reaches it is timed.
type outageCRM struct {
	*testenv.Sandbox
	URL  string
	mu   sync.Mutex
	down bool
	at   []time.Time
}

func startOutageCRM(t *testing.T) *outageCRM {
	t.Helper()
	o := &outageCRM{Sandbox: testenv.StartSandbox(t, sandbox.Config{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		down := o.down
		if r.Header.Get(crm.HeaderBusinessToken) != "" {
			o.at = append(o.at, time.Now())
		}
		o.mu.Unlock()
		if down {
			http.Error(w, "CRM down", http.StatusServiceUnavailable)
			return
		}
		o.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	o.URL = srv.URL
	return o
}

func (o *outageCRM) setDown(down bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.down = down
}

// callsSince are the times of the requests that reached the CRM at or after t.
func (o *outageCRM) callsSince(t time.Time) []time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []time.Time
	for _, at := range o.at {
		if !at.Before(t) {
			out = append(out, at)
		}
	}
	return out
}

// maxInWindow is the most calls within any window of length w.
func maxInWindow(calls []time.Time, w time.Duration) int {
	best, j := 0, 0
	for i := range calls {
		for calls[i].Sub(calls[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// runbook runs the command blocks of docs/operations.md (The CRM is down)
// as written there, with bash, against the test's server: only the blocks'
// own variables (NS, TQ, WAVE_RPS, JITTER) and the temporal CLI's
// TEMPORAL_ADDRESS are set.
type runbook struct {
	t         *testing.T
	bin       string
	address   string
	namespace string
	queue     string
}

// operationsPage is the page whose blocks the runbook runs.
var operationsPage = filepath.Join("docs", "operations.md")

func (r runbook) run(ctx context.Context, block string, vars ...string) string {
	r.t.Helper()
	script, err := docblock.Block(filepath.Join("..", ".."), operationsPage, block)
	require.NoError(r.t, err)
	cmd := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(r.bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TEMPORAL_ADDRESS="+r.address, "NS="+r.namespace, "TQ="+r.queue)
	cmd.Env = append(cmd.Env, vars...)
	out, err := cmd.CombinedOutput()
	require.NoError(r.t, err, "block %s of %s: %s", block, operationsPage, out)
	return string(out)
}

// paused says whether every pending activity of run id is paused.
func paused(ctx context.Context, c client.Client, id string) (bool, error) {
	d, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return false, err
	}
	for _, a := range d.GetPendingActivities() {
		if !a.GetPaused() {
			return false, nil
		}
	}
	return len(d.GetPendingActivities()) > 0, nil
}

// TestCRMOutageRunbook rehearses the runbook of docs/operations.md with
// redemptions in flight: the CRM goes down while they settle, the operator
// stops the CRM activities on the task queue and pauses the pending ones
// by type, runs by query; while stopped no request reaches the CRM; the
// CRM comes back and the operator resumes in waves (a low rate first, then
// KYLIN_CRM_MAX_QPS); every redemption then settles as decided, the rate
// stays under the cap in force, none waits for a person, and the ledger
// agrees with every final state.
func TestCRMOutageRunbook(t *testing.T) {
	testenv.SkipIfShort(t, "starts a Temporal server")
	bin, err := exec.LookPath("temporal")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("temporal CLI not on PATH: .ci/run installs it")
		}
		t.Skip("temporal CLI not on PATH: go install github.com/temporalio/cli/cmd/temporal@v1.5.1")
	}
	for _, tool := range []string{"bash", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not on PATH: the runbook uses it (.ci/run installs jq)", tool)
			}
			t.Skipf("%s not on PATH: the runbook uses it", tool)
		}
	}
	t.Parallel()
	const maxQPS, wave = 8.0, 3.0
	n := *outageRuns
	tp := testenv.StartTemporal(t)
	o := startOutageCRM(t)
	queue := testenv.UniqueName("outage")
	cfg := testenv.WorkerConfig(o.URL, queue)
	cfg.MaxQPS = maxQPS
	testenv.RunWorker(t, tp, cfg, workerapp.Options{})
	rb := runbook{t: t, bin: bin, address: tp.HostPort(), namespace: tp.Namespace(), queue: queue}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute+2*(*outageFor)+time.Duration(n)*time.Second)
	defer cancel()
	require.NoError(t, testenv.WaitPoller(ctx, tp.Client, queue))

	// n redemptions FROZEN, each its own member.
	members := make([]string, n)
	ids := make([]string, n)
	for i := range n {
		members[i] = testenv.Grant(ctx, t, o.Server, 100)
		ids[i] = fmt.Sprintf("outage-%03d-%s", i, testenv.UniqueName("r"))
		_, err := testenv.StartRedemption(ctx, tp.Client, ids[i], queue, workflows.RedemptionRequest{
			MemberID: members[i], Points: 10, Description: "outage rehearsal", HoldSeconds: 3600})
		require.NoError(t, err)
	}
	for _, id := range ids {
		st, err := testenv.WaitSettledFreeze(ctx, tp.Client, id)
		require.NoError(t, err)
		require.Equal(t, workflows.StateFrozen, st.State, st.Error)
	}

	// The CRM goes down while every redemption is decided: half confirmed,
	// half cancelled. The settlements fail and retry.
	o.setDown(true)
	want := map[string]workflows.State{}
	for i, id := range ids {
		update, end := workflows.UpdateCancel, workflows.StateReleased
		if i%2 == 0 {
			update, end = workflows.UpdateConfirm, workflows.StateConsumed
		}
		want[id] = end
		opts := workflows.DecisionOptions(id, update, 0)
		opts.WaitForStage = client.WorkflowUpdateStageAccepted
		_, err := tp.Client.UpdateWorkflow(ctx, opts)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return len(o.callsSince(time.Time{})) >= 2*n+n/2 }, time.Minute, 50*time.Millisecond,
		"the settlements reach the CRM that is down")

	// The runbook: the CRM is down.
	rb.run(ctx, "crm-down")
	for _, id := range ids {
		ok, err := paused(ctx, tp.Client, id)
		require.NoError(t, err)
		require.True(t, ok, "%s: its pending settlement is paused", id)
	}
	// An attempt already dispatched when the limit was set may still land.
	time.Sleep(2 * time.Second)
	stopped := time.Now()
	time.Sleep(*outageFor)
	require.Empty(t, o.callsSince(stopped), "no CRM call while the CRM activities are stopped")

	// The runbook: the CRM is back. A first wave at a low rate, then the cap.
	o.setDown(false)
	resumed := time.Now()
	rb.run(ctx, "crm-back", fmt.Sprintf("WAVE_RPS=%g", wave), "JITTER=5s")
	// The paused attempts come back once their backoff (up to a minute) and
	// the jitter have passed, at the wave's rate.
	waveTime := 2*time.Minute + time.Duration(float64(n)/wave)*time.Second
	require.Eventually(t, func() bool { return len(o.callsSince(resumed)) >= n/2 }, waveTime, 100*time.Millisecond,
		"the first wave settles half the backlog")
	firstWave := o.callsSince(resumed)
	second := time.Now()
	rb.run(ctx, "crm-capped")
	for _, id := range ids {
		var st workflows.RedemptionStatus
		require.NoError(t, tp.Client.GetWorkflow(ctx, id, "").Get(ctx, &st), id)
		require.Equal(t, want[id], st.State, "%s: %s", id, st.Error)
	}
	rest := o.callsSince(second)
	t.Logf("%d runs, CRM down %s: %d calls in the first wave (limit %.0f/s, max %d in 1s), %d after (cap %.0f/s, max %d in 1s)",
		n, *outageFor, len(firstWave), wave, maxInWindow(firstWave, time.Second), len(rest), maxQPS, maxInWindow(rest, time.Second))
	require.LessOrEqual(t, maxInWindow(firstWave, time.Second), int(wave)+2, "the first wave stays under its rate")
	require.LessOrEqual(t, maxInWindow(rest, time.Second), int(maxQPS)+2, "then under KYLIN_CRM_MAX_QPS")

	// Nothing stranded: the ledger agrees with every final state.
	for i, id := range ids {
		b, err := o.Balance(ctx, members[i])
		require.NoError(t, err)
		require.Zero(t, b.Frozen, "%s: nothing stays frozen", id)
		consumed := 0.0
		if want[id] == workflows.StateConsumed {
			consumed = 10
		}
		require.Equal(t, consumed, b.Consumed, id)
		require.Equal(t, 100-consumed, b.Available, id)
	}
	require.NoError(t, o.CheckInvariants(ctx), "one effect per token")
}
