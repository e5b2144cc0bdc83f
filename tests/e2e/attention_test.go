package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestAttentionQueue runs the worker and starter binaries: a cancel whose
// release the CRM refuses leaves the redemption waiting in ATTENTION (cancel
// and status exit 1 saying so), `starter attention` lists it with why and
// since when, `starter retry` settles it once the CRM answers (RELEASED, the
// ledger agrees), and `starter resolve` ends another RESOLVED with the note
// and who sent it; retry and resolve are refused on a run not in ATTENTION.
func TestAttentionQueue(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	taskQueue := testenv.UniqueName("attention")
	starter := newCLI(t, tp.HostPort(), tp.Namespace(), taskQueue, "KYLIN_MEMBER_SEARCH=raw")
	testenv.StartWorkerProcess(t, tp, sb.URL, taskQueue, filepath.Join(t.TempDir(), "worker.log"), "KYLIN_MEMBER_SEARCH=raw")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, testenv.WaitPoller(ctx, tp.Client, taskQueue))

	members := map[string]string{}
	park := func(id string, refusals int) {
		t.Helper()
		members[id] = testenv.Grant(ctx, t, sb.Server, 100)
		starter.runJSON(ctx, t, 0, "redeem", "--member", members[id], "--points", "4", "--description", "attention test", "--id", id)
		for range refusals {
			require.NoError(t, sb.Script(sandbox.ScriptedFault{Op: crm.OpRelease, Kind: sandbox.ScriptRefuse, Status: 422}))
		}
		r, stderr := starter.runJSON(ctx, t, 1, "cancel", "--id", id)
		require.Equal(t, string(workflows.StateAttention), r.State, stderr)
		require.Contains(t, stderr, "waits in ATTENTION for a person")
		require.Contains(t, stderr, "starter retry --id "+id)
	}
	retried, resolved := testenv.UniqueName("attn-retry"), testenv.UniqueName("attn-resolve")
	park(retried, 1)
	park(resolved, 1)

	// The queue, from visibility (and each run's status for why).
	listed := attentionListed(ctx, t, starter, func(id string) bool { _, ours := members[id]; return ours }, 2)
	for _, m := range listed {
		require.Equal(t, "ATTENTION", m["state"])
		require.Equal(t, members[m["workflowId"].(string)], m["memberId"])
		require.InDelta(t, 4.0, m["points"], 1e-9)
		require.Equal(t, "possible", m["stranded"])
		require.Contains(t, m["uiUrl"], "/workflows/"+m["workflowId"].(string)+"/")
		a, ok := m["attention"].(map[string]any)
		require.True(t, ok, "attention details: %v", m)
		require.Contains(t, a["why"], "HTTP 422")
		require.NotEmpty(t, a["since"])
		require.Equal(t, workflows.BusinessToken(m["workflowId"].(string), workflows.StepFreeze), a["freezeToken"])
	}
	human := testenv.RunCommand(ctx, t, starter.bin, starter.env, "attention")
	require.Contains(t, human.Stdout, "may be held under token")
	r, stderr := starter.runJSON(ctx, t, 1, "status", "--id", retried)
	require.Equal(t, "ATTENTION", r.State, stderr)

	// retry: the CRM answers now.
	r, stderr = starter.runJSON(ctx, t, 0, "retry", "--id", retried)
	require.Equal(t, "RELEASED", r.State, stderr)
	testenv.RequireSettled(ctx, t, sb.Server, retried, members[retried], 100, 4, workflows.StateReleased)

	// retry refused again: back in ATTENTION; then a person resolves it.
	require.NoError(t, sb.Script(sandbox.ScriptedFault{Op: crm.OpRelease, Kind: sandbox.ScriptRefuse, Status: 422}))
	r, stderr = starter.runJSON(ctx, t, 1, "retry", "--id", resolved)
	require.Equal(t, "ATTENTION", r.State, stderr)
	r, stderr = starter.runJSON(ctx, t, 0, "resolve", "--id", resolved, "--note", "released by hand in the CRM console", "--by", "alice")
	require.Equal(t, "RESOLVED", r.State, stderr)
	res := testenv.RunCommand(ctx, t, starter.bin, starter.env, "status", "--id", resolved, "--json")
	require.Equal(t, 0, res.Code, res.Stderr)
	var st struct {
		Resolution workflows.Resolution `json:"resolution"`
		Attention  workflows.Attention  `json:"attention"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &st))
	require.Equal(t, "released by hand in the CRM console", st.Resolution.Note)
	require.True(t, strings.HasPrefix(st.Resolution.Identity, "alice via "), st.Resolution.Identity)
	require.Equal(t, 1, st.Attention.Retries)
	// A repeat of the same resolve is answered; retry and resolve elsewhere are refused.
	starter.runJSON(ctx, t, 0, "resolve", "--id", resolved, "--note", "released by hand in the CRM console")
	_, stderr = starter.runJSON(ctx, t, 1, "retry", "--id", resolved)
	require.Contains(t, stderr, "RESOLVED")
	_, stderr = starter.runJSON(ctx, t, 1, "retry", "--id", retried)
	require.Contains(t, stderr, "RELEASED")
	res = testenv.RunCommand(ctx, t, starter.bin, starter.env, "resolve", "--id", retried)
	require.Equal(t, 2, res.Code, "resolve without --note is bad usage: %s", res.Stderr)
	b, err := sb.Balance(ctx, members[resolved])
	require.NoError(t, err)
	require.InDelta(t, 4.0, b.Frozen, 1e-9, "the resolved one stays frozen in this sandbox: a person said they settled it")
}

// TestAttentionQueueFreeze is TestAttentionQueue for the standalone freeze
// and its settlement: a freeze whose undo the CRM refuses, and a release
// of a freeze that the CRM refuses, each wait in ATTENTION (the starter
// exits 1 saying so rather than waiting), `starter attention` lists both
// with their freeze tokens, `starter retry` undoes the first (FAILED,
// nothing frozen: the ledger agrees) and `starter resolve`, given the
// freeze's ID, ends the second's settlement RESOLVED.
func TestAttentionQueueFreeze(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	taskQueue := testenv.UniqueName("attention-freeze")
	starter := newCLI(t, tp.HostPort(), tp.Namespace(), taskQueue, "KYLIN_MEMBER_SEARCH=raw")
	testenv.StartWorkerProcess(t, tp, sb.URL, taskQueue, filepath.Join(t.TempDir(), "worker.log"), "KYLIN_MEMBER_SEARCH=raw")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, testenv.WaitPoller(ctx, tp.Client, taskQueue))

	// A freeze refused by the gateway is asked again (applied now), then
	// undone; the CRM refuses the undo's release: the freeze waits.
	undone, settled := testenv.UniqueName("attn-freeze"), testenv.UniqueName("attn-settle")
	members := map[string]string{undone: testenv.Grant(ctx, t, sb.Server, 100), settled: testenv.Grant(ctx, t, sb.Server, 100)}
	require.NoError(t, sb.Script(sandbox.ScriptedFault{Op: crm.OpFreeze, Kind: sandbox.ScriptRefuse, Status: 422}))
	require.NoError(t, sb.Script(sandbox.ScriptedFault{Op: crm.OpRelease, Kind: sandbox.ScriptRefuse, Status: 422}))
	r, stderr := starter.runJSON(ctx, t, 1, "freeze", "--member", members[undone], "--points", "4", "--description", "attention test", "--id", undone)
	require.Equal(t, string(workflows.StateAttention), r.State, stderr)
	require.Contains(t, stderr, "the freeze waits in ATTENTION for a person")

	// A freeze whose release the CRM refuses: its settlement waits.
	starter.runJSON(ctx, t, 0, "freeze", "--member", members[settled], "--points", "4", "--description", "attention test", "--id", settled)
	require.NoError(t, sb.Script(sandbox.ScriptedFault{Op: crm.OpRelease, Kind: sandbox.ScriptRefuse, Status: 422}))
	r, stderr = starter.runJSON(ctx, t, 1, "release", "--id", settled)
	require.Equal(t, string(workflows.StateAttention), r.State, stderr)
	require.Contains(t, stderr, "waits in ATTENTION for a person")

	ids := map[string]string{undone: undone, workflows.SettlementID(settled): settled}
	listed := attentionListed(ctx, t, starter, func(id string) bool { _, ours := ids[id]; return ours }, 2)
	for _, m := range listed {
		id, ok := ids[m["workflowId"].(string)]
		require.True(t, ok, "listed: %v", m)
		require.Equal(t, "ATTENTION", m["state"])
		require.Equal(t, members[id], m["memberId"])
		require.InDelta(t, 4.0, m["points"], 1e-9)
		require.Equal(t, "possible", m["stranded"])
		require.Equal(t, workflows.BusinessToken(id, workflows.StepFreeze), m["freezeToken"])
		a, ok := m["attention"].(map[string]any)
		require.True(t, ok, "attention details: %v", m)
		require.Contains(t, a["why"], "HTTP 422")
	}
	b, err := sb.Balance(ctx, members[undone])
	require.NoError(t, err)
	require.InDelta(t, 4.0, b.Frozen, 1e-9, "the undo did not go through: the points are held")

	// retry: the undo goes through now.
	r, stderr = starter.runJSON(ctx, t, 0, "retry", "--id", undone)
	require.Equal(t, "FAILED", r.State, stderr)
	b, err = sb.Balance(ctx, members[undone])
	require.NoError(t, err)
	require.Zero(t, b.Frozen, "nothing stays frozen")
	require.InDelta(t, 100.0, b.Available, 1e-9)

	// resolve, by the freeze's ID: its settlement ends RESOLVED.
	r, stderr = starter.runJSON(ctx, t, 0, "resolve", "--id", settled, "--note", "released by hand", "--by", "alice")
	require.Equal(t, "RESOLVED", r.State, stderr)
	require.Equal(t, workflows.SettlementID(settled), r.WorkflowID)
	_, stderr = starter.runJSON(ctx, t, 1, "retry", "--id", workflows.SettlementID(settled))
	require.Contains(t, stderr, "RESOLVED")
}

// attentionListed runs `starter attention --json` until it lists want runs
// that ours keeps (other tests share the namespace), and returns them.
func attentionListed(ctx context.Context, t *testing.T, starter cli, ours func(workflowID string) bool, want int) []map[string]any {
	t.Helper()
	var listed []map[string]any
	require.Eventually(t, func() bool {
		res := testenv.RunCommand(ctx, t, starter.bin, starter.env, "attention", "--json")
		require.Equal(t, 0, res.Code, res.Stderr)
		listed = nil
		for _, l := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
			if l == "" {
				continue
			}
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &m), l)
			if ours(m["workflowId"].(string)) {
				listed = append(listed, m)
			}
		}
		return len(listed) == want
	}, 30*time.Second, 200*time.Millisecond)
	return listed
}
