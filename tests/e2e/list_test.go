package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// TestListFindsRedemptions runs the worker and starter binaries with the
// member hashed under one key: `starter list` finds a member's FROZEN
// redemptions, what is older than an age, and each with its UI link, from
// the search attributes the workflows upsert, and the visibility store never
// holds a member ID.
func TestListFindsRedemptions(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	taskQueue := testenv.UniqueName("list")
	keyFile := filepath.Join(t.TempDir(), "member.key")
	require.NoError(t, os.WriteFile(keyFile, []byte("list-test-member-hash-key\n"), 0o600))
	starter := newCLI(t, tp.HostPort(), tp.Namespace(), taskQueue, "KYLIN_MEMBER_HASH_KEY_FILE="+keyFile)
	testenv.StartWorkerProcess(t, tp, sb.URL, taskQueue, filepath.Join(t.TempDir(), "worker.log"), "KYLIN_MEMBER_HASH_KEY_FILE="+keyFile)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	require.NoError(t, testenv.WaitPoller(ctx, tp.Client, taskQueue))

	alice, bob := testenv.Grant(ctx, t, sb.Server, 100), testenv.Grant(ctx, t, sb.Server, 100)
	frozenAlice, consumedAlice, frozenBob := testenv.UniqueName("list-a1"), testenv.UniqueName("list-a2"), testenv.UniqueName("list-b1")
	for _, r := range []struct{ member, id string }{{alice, frozenAlice}, {alice, consumedAlice}, {bob, frozenBob}} {
		starter.runJSON(ctx, t, 0, "redeem", "--member", r.member, "--points", "3", "--description", "list test", "--id", r.id)
	}
	starter.runJSON(ctx, t, 0, "confirm", "--id", consumedAlice)

	lines := func(args ...string) []map[string]any {
		res := testenv.RunCommand(ctx, t, starter.bin, starter.env, append([]string{"list"}, args...)...)
		require.Equal(t, 0, res.Code, "stderr: %s", res.Stderr)
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
			if l == "" {
				continue
			}
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &m), l)
			out = append(out, m)
		}
		return out
	}
	ids := func(found []map[string]any) []string {
		var out []string
		for _, m := range found {
			out = append(out, m["workflowId"].(string))
		}
		return out
	}
	// Visibility catches up with the upserts within moments.
	require.Eventually(t, func() bool {
		return len(lines("--state", "FROZEN", "--member", alice, "--json")) == 1
	}, 30*time.Second, 200*time.Millisecond)

	found := lines("--state", "FROZEN", "--member", alice, "--json")
	require.Equal(t, []string{frozenAlice}, ids(found))
	require.Equal(t, "FROZEN", found[0]["state"])
	require.Equal(t, alice, found[0]["memberId"], "the member asked for")
	require.InDelta(t, 3.0, found[0]["points"], 1e-9)
	require.NotEmpty(t, found[0]["holdUntil"])
	require.Contains(t, found[0]["uiUrl"], "/workflows/"+frozenAlice+"/")
	require.ElementsMatch(t, []string{frozenAlice, consumedAlice}, ids(lines("--member", alice, "--json")))
	require.Eventually(t, func() bool {
		return len(lines("--state", "CONSUMED", "--member", alice, "--json")) == 1
	}, 30*time.Second, 200*time.Millisecond)
	require.Subset(t, ids(lines("--state", "FROZEN", "--json")), []string{frozenAlice, frozenBob})
	require.Empty(t, lines("--state", "FROZEN", "--member", alice, "--older-than", "1h", "--json"), "started seconds ago")

	human := testenv.RunCommand(ctx, t, starter.bin, starter.env, "list", "--state", "FROZEN", "--member", bob)
	require.Equal(t, 0, human.Code, human.Stderr)
	require.Contains(t, human.Stdout, frozenBob+": FROZEN — 3 points of member "+bob)
	require.Contains(t, human.Stdout, "held until")
	// Without --member, a hashed member is not shown at all.
	human = testenv.RunCommand(ctx, t, starter.bin, starter.env, "list", "--state", "FROZEN")
	require.Equal(t, 0, human.Code, human.Stderr)
	require.Contains(t, human.Stdout, frozenBob+": FROZEN — 3 points frozen (token ")
	require.NotContains(t, human.Stdout, "of member")

	// A freeze stays FROZEN in visibility once its settlement released it;
	// list shows it as its settlement stands, and filters on that.
	heldFreeze, releasedFreeze := testenv.UniqueName("freeze-list-held"), testenv.UniqueName("freeze-list-released")
	for _, id := range []string{heldFreeze, releasedFreeze} {
		starter.runJSON(ctx, t, 0, "freeze", "--member", bob, "--points", "2", "--description", "list test", "--id", id)
	}
	starter.runJSON(ctx, t, 0, "release", "--id", releasedFreeze)
	require.Eventually(t, func() bool {
		return len(lines("--type", "freeze", "--member", bob, "--json")) == 2
	}, 30*time.Second, 200*time.Millisecond)
	require.Equal(t, []string{heldFreeze}, ids(lines("--type", "freeze", "--state", "FROZEN", "--member", bob, "--json")))
	released := lines("--type", "freeze", "--state", "RELEASED", "--member", bob, "--json")
	require.Equal(t, []string{releasedFreeze}, ids(released))
	require.InDelta(t, 2.0, released[0]["releasedPoints"], 1e-9)
	require.Empty(t, lines("--type", "freeze", "--state", "CONSUMED", "--member", bob, "--json"))

	// The visibility store holds the keyed hash, never the ID.
	resp, err := tp.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: tp.Namespace(),
		Query: search.Filter{Types: []string{workflows.RedemptionWorkflowName}, State: "FROZEN"}.Query()})
	require.NoError(t, err)
	for _, e := range resp.GetExecutions() {
		for name, p := range e.GetSearchAttributes().GetIndexedFields() {
			require.NotContains(t, string(p.GetData()), alice, "%s of %s", name, e.GetExecution().GetWorkflowId())
			require.NotContains(t, string(p.GetData()), bob)
		}
	}

	// Without the key, list cannot write the member as the workers do.
	keyless := newCLI(t, tp.HostPort(), tp.Namespace(), taskQueue)
	res := testenv.RunCommand(ctx, t, keyless.bin, keyless.env, "list", "--member", alice)
	require.Equal(t, 1, res.Code)
	require.Contains(t, res.Stderr, "list --member needs the member hash key file the workers use (KYLIN_MEMBER_HASH_KEY_FILE)")
}
