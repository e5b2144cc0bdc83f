package crmcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
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

// status is the starter's --json report, as docs/design.md names its fields.
type status struct {
	WorkflowID string `json:"workflowId"`
	State      string `json:"state"`
	Decision   string `json:"decision"`
	Stranded   string `json:"stranded"`
	Error      string `json:"error"`
}

// starterCLI is the starter binary pointed at a Temporal server and a task queue.
type starterCLI struct {
	bin string
	env []string
}

func (c starterCLI) run(ctx context.Context, t *testing.T, args ...string) (status, int, string) {
	t.Helper()
	res := testenv.RunCommand(ctx, t, c.bin, c.env, append(args, "--json")...)
	var st status
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &st), "starter %v: stdout %q stderr %q", args, res.Stdout, res.Stderr)
	return st, res.Code, res.Stderr
}

// await runs status until done says yes, for at most a minute, and
// returns the last status with its exit code and stderr.
func (c starterCLI) await(ctx context.Context, t *testing.T, id string, done func(status) bool) (status, int, string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		st, code, stderr := c.run(ctx, t, "status", "--id", id)
		if done(st) {
			return st, code, stderr
		}
		require.True(t, time.Now().Before(deadline), "%s did not get there within a minute: %+v", id, st)
		time.Sleep(100 * time.Millisecond)
	}
}

// suiteCase is one redemption of the suite.
type suiteCase struct {
	name            string
	granted, points float64
	hold            string
	// before are scripted faults queued before the redemption starts;
	// beforeDecide, before confirm.
	before, beforeDecide []sandbox.ScriptedFault
	// decide is confirm, cancel or "" (the hold runs out).
	decide string
	// want is the state the points really end in; redeemExit and
	// decideExit what the starter must exit with.
	want                   workflows.State
	redeemExit, decideExit int
}

func lostThenRefused(op string, status int) []sandbox.ScriptedFault {
	return []sandbox.ScriptedFault{{Op: op, Kind: sandbox.ScriptFailAfter}, {Op: op, Kind: sandbox.ScriptRefuse, Status: status}}
}

// The redemption suite on a real Temporal server, the worker binary and the
// sandbox command answering in the other-codes profile (numbers for every
// business code), the worker configured with the codes file crm-check wrote
// against that very sandbox: confirm, cancel, hold timeout, too few points,
// and answers lost then refused for freeze and consume. Every case is
// exactly once (the ledger's invariants: one effect per token) and truthful
// (the starter's state and exit status are what the ledger holds). A
// worker without the codes file, on the same CRM, is the control: it cannot
// read the CRM's "the freeze holds fewer points" and must not claim the
// consume it could not prove.
func TestRedemptionSuiteOnOtherCodes(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	p := startProbe(ctx, t, sandbox.ProfileOtherCodes, "probe-member", 10)
	codes := filepath.Join(t.TempDir(), "codes.toml")
	rep, _ := p.runJSON(ctx, t, 0, "probe-member", p.env(), "--write-codes", codes)
	require.Equal(t, codes, rep.CodesFile)

	dir := t.TempDir()
	queue := testenv.UniqueName("other-codes")
	logPath := filepath.Join(dir, "worker.log")
	testenv.StartWorkerProcess(t, tp, p.sb.URL, queue, logPath, "KYLIN_CRM_CODES_FILE="+codes, "KYLIN_LOG_LEVEL=info")
	require.NoError(t, testenv.WaitPoller(ctx, tp.Client, queue))
	logs, err := os.ReadFile(logPath)
	require.NoError(t, err)
	require.Contains(t, string(logs), "CRM codes mapping", "the worker logs the mapping it runs with")
	require.Contains(t, string(logs), codes)
	require.Contains(t, string(logs), "freezeNotEnough=[40009]")

	cli := starterCLI{bin: p.bin, env: testenv.Env("TEMPORAL_ADDRESS="+tp.HostPort(), "TEMPORAL_NAMESPACE="+tp.Namespace(), "KYLIN_TASK_QUEUE="+queue)}
	cases := []suiteCase{
		{name: "confirm", granted: 100, points: 12.5, decide: workflows.UpdateConfirm, want: workflows.StateConsumed},
		{name: "cancel", granted: 100, points: 30, decide: workflows.UpdateCancel, want: workflows.StateReleased},
		{name: "hold timeout", granted: 100, points: 40, hold: "2s", want: workflows.StateReleased},
		{name: "too few points", granted: 10, points: 10.01, want: workflows.StateFailed, redeemExit: 1},
	}
	for _, s := range []int{401, 409, 403} {
		cases = append(cases,
			suiteCase{name: fmt.Sprintf("freeze answer lost then %d", s), granted: 100, points: 7.5,
				before: lostThenRefused(crm.OpFreeze, s), want: workflows.StateFailed, redeemExit: 1},
			suiteCase{name: fmt.Sprintf("consume answer lost then %d", s), granted: 100, points: 7.5, decide: workflows.UpdateConfirm,
				beforeDecide: lostThenRefused(crm.OpConsume, s), want: workflows.StateConsumed})
	}
	// Scripted faults meet the next requests of their operation, whoever
	// sends them: the cases run one after the other.
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runSuiteCase(ctx, t, cli, p.sb, tc)
		})
	}

	t.Run("control: no codes file", func(t *testing.T) {
		queue := testenv.UniqueName("default-codes")
		testenv.StartWorkerProcess(t, tp, p.sb.URL, queue, filepath.Join(dir, "control.log"))
		require.NoError(t, testenv.WaitPoller(ctx, tp.Client, queue))
		cli := starterCLI{bin: p.bin, env: testenv.Env("TEMPORAL_ADDRESS="+tp.HostPort(), "TEMPORAL_NAMESPACE="+tp.Namespace(), "KYLIN_TASK_QUEUE="+queue)}
		st := runSuiteCase(ctx, t, cli, p.sb, suiteCase{name: "control", granted: 100, points: 7.5, decide: workflows.UpdateConfirm,
			beforeDecide: lostThenRefused(crm.OpConsume, 409), want: workflows.StateConsumed, decideExit: 1})
		require.NotEqual(t, string(workflows.StateConsumed), st.State, "without the codes it cannot prove the consume")
		require.Equal(t, "possible", st.Stranded, "so it says the points may be held, for a person")
	})
}

// runSuiteCase runs one redemption through the starter and checks that it
// happened exactly once and that the starter told the truth. It returns
// the last status the starter printed.
func runSuiteCase(ctx context.Context, t *testing.T, cli starterCLI, sb *testenv.SandboxProcess, tc suiteCase) status {
	t.Helper()
	admin := sb.Admin()
	member := testenv.UniqueName("member")
	_, err := admin.Grant(ctx, member, tc.granted)
	require.NoError(t, err)
	id := testenv.UniqueName("redeem")
	if len(tc.before) > 0 {
		_, err = admin.Script(ctx, tc.before...)
		require.NoError(t, err)
	}
	args := []string{"redeem", "--id", id, "--member", member, "--points", crm.FormatPoints(tc.points), "--description", "suite: " + tc.name}
	if tc.hold != "" {
		args = append(args, "--hold", tc.hold)
	}
	st, code, stderr := cli.run(ctx, t, args...)
	require.Equal(t, tc.redeemExit, code, "redeem: %+v %s", st, stderr)
	if tc.redeemExit == 0 {
		require.Equal(t, string(workflows.StateFrozen), st.State)
	}
	switch {
	case tc.decide != "":
		if len(tc.beforeDecide) > 0 {
			_, err = admin.Script(ctx, tc.beforeDecide...)
			require.NoError(t, err)
		}
		st, code, stderr = cli.run(ctx, t, tc.decide, "--id", id)
		require.Equal(t, tc.decideExit, code, "%s: %+v %s", tc.decide, st, stderr)
	case tc.redeemExit == 0:
		st, _, _ = cli.await(ctx, t, id, func(st status) bool { return st.State == string(workflows.StateReleased) })
		require.Equal(t, workflows.DecisionHoldTimeout, st.Decision, "the hold ran out: %+v", st)
	}
	// The status of the end, as a person would ask for it: a freeze being
	// undone is RELEASING for a moment after redeem returned.
	end, code, stderr := cli.await(ctx, t, id, func(st status) bool { return st.Stranded != "" || ended(st.State) })
	stranded := end.Stranded != ""
	require.Equal(t, map[bool]int{false: 0, true: 1}[stranded], code, "status exits 1 exactly when points may be held: %+v %s", end, stderr)
	requireTruth(ctx, t, admin, member, tc, end)
	if len(tc.before)+len(tc.beforeDecide) > 0 {
		pending, err := admin.Script(ctx)
		require.NoError(t, err)
		require.Zero(t, pending, "every scripted fault was met")
	}
	return end
}

// ended reports whether state is an end state.
func ended(state string) bool {
	switch workflows.State(state) {
	case workflows.StateConsumed, workflows.StateReleased, workflows.StateFailed:
		return true
	}
	return false
}

// requireTruth checks the ledger against what the starter said: the state
// it printed is where the points are, and no token had two effects.
func requireTruth(ctx context.Context, t *testing.T, admin testenv.Admin, member string, tc suiteCase, end status) {
	t.Helper()
	b, err := admin.Balance(ctx, member)
	require.NoError(t, err)
	require.Zero(t, b.Frozen, "nothing stays frozen: %+v", end)
	switch end.State {
	case string(workflows.StateReleasing), string(workflows.StateConsuming), string(workflows.StateAttention):
		require.NotEmpty(t, end.Stranded, "a redemption left %s says its points may be held: %+v", end.State, end)
	case string(workflows.StateConsumed):
		require.Equal(t, tc.points, b.Consumed, "CONSUMED: consumed once")
		require.Equal(t, tc.granted-tc.points, b.Available)
	case string(workflows.StateReleased), string(workflows.StateFailed):
		if end.Stranded == "" {
			require.Zero(t, b.Consumed, "%s without a doubt: nothing consumed: %+v", end.State, end)
			require.Equal(t, tc.granted, b.Available)
		}
	default:
		t.Fatalf("the redemption did not end: %+v", end)
	}
	require.Equal(t, string(tc.want), ledgerState(b, tc), "the points really are %s", tc.want)
	if end.Stranded == "" {
		require.Equal(t, string(tc.want), end.State, "the starter says where the points are: %+v", end)
	}
	require.NoError(t, admin.Check(ctx), "one effect per token")
	require.False(t, strings.Contains(end.Error, "\n"))
}

// ledgerState is where the ledger says a case's points are.
func ledgerState(b sandbox.Balance, tc suiteCase) string {
	switch {
	case b.Consumed == tc.points:
		return string(workflows.StateConsumed)
	case tc.want == workflows.StateFailed && b.Available == tc.granted:
		return string(workflows.StateFailed)
	case b.Available == tc.granted:
		return string(workflows.StateReleased)
	}
	return "inconsistent"
}
