package versioning

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/temporal"
	"go.temporal.io/server/temporaltest"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/tests/versioning/internal/changed"
	"github.com/kylinpoints/kylin-points/workflows"
)

const (
	deploymentName = "kylin-points"
	buildA, buildB = "build-a", "build-b"
	taskQueue      = "kylin-versioning"
	// parked redemptions wait FROZEN on A through the rollout; fresh ones
	// start after it, on B.
	parked, fresh = 200, 20
	grant         = 100
	// hold outlasts the test: the parked runs end by an Update, not a timer.
	holdSeconds = 900
	concurrency = 32
)

// drainageConfig shortens the server's drainage bookkeeping (3 minutes
// each by default) so that "A is drained" is seen within seconds. Worker
// deployments themselves need no dynamic config on server v1.32.1:
// system.enableDeploymentVersions and frontend.workerVersioningWorkflowAPIs
// are on by default.
func drainageConfig() temporaltest.TestServerOption {
	return temporaltest.WithBaseServerOptions(temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key():    []dynamicconfig.ConstrainedValue{{Value: true}},
		dynamicconfig.VersionDrainageStatusRefreshInterval.Key():       []dynamicconfig.ConstrainedValue{{Value: time.Second}},
		dynamicconfig.VersionDrainageStatusVisibilityGracePeriod.Key(): []dynamicconfig.ConstrainedValue{{Value: time.Second}},
	}))
}

// run is one redemption of the test and the decision it gets.
type run struct {
	id, member string
	points     float64
	update     string
	// build is where it must run.
	build string
}

func plan(prefix string, n int, build string) []run {
	out := make([]run, n)
	for i := range out {
		update := workflows.UpdateConfirm
		if i%2 == 1 {
			update = workflows.UpdateCancel
		}
		out[i] = run{id: fmt.Sprintf("%s-%03d", prefix, i), member: fmt.Sprintf("%s-member-%03d", prefix, i),
			points: float64(1 + i%9), update: update, build: build}
	}
	return out
}

func TestRolloutKeepsParkedRunsOnTheirBuild(t *testing.T) {
	testenv.SkipIfShort(t, "versioning rehearsal: a minute of wall time")
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	tp := testenv.StartTemporal(t, drainageConfig())
	c := tp.Client
	sb := testenv.StartSandbox(t, sandbox.Config{})
	admin := testenv.Admin{URL: sb.URL}
	old, young := plan("ver-a", parked, buildA), plan("ver-b", fresh, buildB)
	for _, r := range append(append([]run{}, old...), young...) {
		_, err := admin.Grant(ctx, r.member, grant)
		require.NoError(t, err)
	}
	d := c.WorkerDeploymentClient().GetHandle(deploymentName)

	workerA := startBuild(t, tp, sb.URL, testenv.Binary(t, "./worker"), buildA, filepath.Join(dir, "worker-a.log"))
	require.NoError(t, waitVersion(ctx, d, buildA))
	require.NoError(t, setCurrent(ctx, c, tp.Namespace(), d, buildA))
	startAndPark(ctx, t, c, old)
	t.Logf("%s: %d redemptions parked FROZEN on %s", since(began), parked, buildA)

	startBuild(t, tp, sb.URL, testenv.Binary(t, "./tests/versioning/internal/workerb"), buildB, filepath.Join(dir, "worker-b.log"))
	require.NoError(t, waitVersion(ctx, d, buildB))
	require.NoError(t, setCurrent(ctx, c, tp.Namespace(), d, buildB))
	t.Logf("%s: %s rolled out as the current version", since(began), buildB)
	startAndPark(ctx, t, c, young)

	decideAll(ctx, t, c, append(append([]run{}, old...), young...))
	t.Logf("%s: every redemption decided and ended", since(began))
	drained, err := waitDrained(ctx, d, buildA)
	require.NoError(t, err)
	code, err := workerA.Terminate(30 * time.Second)
	require.NoError(t, err)
	require.Zero(t, code, "worker A stops cleanly once drained")
	t.Logf("%s: %s drained %s after the last run ended, its worker stopped", since(began), buildA, drained.Round(time.Millisecond))

	// With A gone, B carries on alone.
	last := plan("ver-after", 1, buildB)
	_, err = admin.Grant(ctx, last[0].member, grant)
	require.NoError(t, err)
	startAndPark(ctx, t, c, last)
	decideAll(ctx, t, c, last)

	all := append(append(old, young...), last...)
	checkBuilds(ctx, t, c, all)
	checkLedger(ctx, t, admin, all)

	t.Run("a history of A replayed on B's code fails", func(t *testing.T) {
		histA, histB := history(ctx, t, c, old[0].id), history(ctx, t, c, young[0].id)
		require.Error(t, replay(histA, changed.RegisterWorkflows), "B's code is not deterministic with A's runs")
		require.NoError(t, replay(histA, workflows.RegisterWorkflows), "A's runs replay on A's code")
		require.NoError(t, replay(histB, changed.RegisterWorkflows), "B's runs replay on B's code")
		require.Error(t, replay(histB, workflows.RegisterWorkflows), "and not on A's")
	})
	t.Logf("%s: done", since(began))
}

// startBuild runs a worker binary as build buildID of the deployment.
func startBuild(t *testing.T, tp *testenv.Temporal, crmURL, bin, buildID, logPath string) *testenv.Process {
	t.Helper()
	return testenv.StartWorkerAt(t, bin, tp.HostPort(), tp.Namespace(), crmURL, taskQueue, logPath,
		"KYLIN_WORKER_DEPLOYMENT_NAME="+deploymentName, "KYLIN_WORKER_BUILD_ID="+buildID)
}

// startAndPark starts every run and waits until each is FROZEN.
func startAndPark(ctx context.Context, t *testing.T, c client.Client, runs []run) {
	t.Helper()
	for _, r := range runs {
		_, err := testenv.StartRedemption(ctx, c, r.id, taskQueue, workflows.RedemptionRequest{
			MemberID: r.member, Points: r.points, Description: "versioning " + r.id, HoldSeconds: holdSeconds,
		})
		require.NoError(t, err)
	}
	each(t, runs, func(r run) error {
		st, err := testenv.WaitSettledFreeze(ctx, c, r.id)
		if err == nil && st.State != workflows.StateFrozen {
			err = fmt.Errorf("%s: %s (%s), want FROZEN", r.id, st.State, st.Error)
		}
		return err
	})
}

// decideAll sends each run its decision and checks the final state it answers.
func decideAll(ctx context.Context, t *testing.T, c client.Client, runs []run) {
	t.Helper()
	want := map[string]workflows.State{workflows.UpdateConfirm: workflows.StateConsumed, workflows.UpdateCancel: workflows.StateReleased}
	each(t, runs, func(r run) error {
		st, err := testenv.Decide(ctx, c, r.id, r.update)
		if err == nil && st.State != want[r.update] {
			err = fmt.Errorf("%s %s: %s (%s), want %s", r.id, r.update, st.State, st.Error, want[r.update])
		}
		return err
	})
}

// checkBuilds holds every run to the build it must have run on, pinned, as
// the server records it and as its history shows (only B adds its timer).
func checkBuilds(ctx context.Context, t *testing.T, c client.Client, runs []run) {
	t.Helper()
	each(t, runs, func(r run) error {
		build, pinned, err := ranOn(ctx, c, r.id)
		if err != nil {
			return err
		}
		if build != r.build || !pinned {
			return fmt.Errorf("%s ran on %q (pinned %v), want %q pinned", r.id, build, pinned, r.build)
		}
		h, err := fetchHistory(ctx, c, r.id)
		if err != nil {
			return err
		}
		if hasB := hasStepOfB(h); hasB != (r.build == buildB) {
			return fmt.Errorf("%s on %s: history has build B's timer: %v", r.id, r.build, hasB)
		}
		return nil
	})
}

// checkLedger holds the CRM to exactly-once: one effect per token, and each
// member's balance as its decision leaves it.
func checkLedger(ctx context.Context, t *testing.T, admin testenv.Admin, runs []run) {
	t.Helper()
	require.NoError(t, admin.Check(ctx))
	each(t, runs, func(r run) error {
		for _, step := range []string{workflows.StepFreeze, workflows.StepRelease, workflows.StepConsume} {
			v, err := admin.Token(ctx, workflows.BusinessToken(r.id, step))
			if err != nil {
				return err
			}
			if len(v.Entries) > 1 {
				return fmt.Errorf("%s: %d effects under its %s token", r.id, len(v.Entries), step)
			}
		}
		b, err := admin.Balance(ctx, r.member)
		if err != nil {
			return err
		}
		want := sandbox.Balance{MemberID: r.member, MemberType: b.MemberType, Available: grant, Granted: grant}
		if r.update == workflows.UpdateConfirm {
			want.Available, want.Consumed = grant-r.points, r.points
		}
		if b != want {
			return fmt.Errorf("%s after %s: balance %+v, want %+v", r.id, r.update, b, want)
		}
		return nil
	})
}

func history(ctx context.Context, t *testing.T, c client.Client, id string) *historypb.History {
	t.Helper()
	h, err := fetchHistory(ctx, c, id)
	require.NoError(t, err)
	return h
}

func fetchHistory(ctx context.Context, c client.Client, id string) (*historypb.History, error) {
	h := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, err
		}
		h.Events = append(h.Events, e)
	}
	return h, nil
}

func hasStepOfB(h *historypb.History) bool {
	for _, e := range h.GetEvents() {
		if e.GetEventType() == enumspb.EVENT_TYPE_TIMER_STARTED && string(e.GetUserMetadata().GetSummary().GetData()) == fmt.Sprintf("%q", changed.Step) {
			return true
		}
	}
	return false
}

// each runs f for every run, a few at a time, and fails t with every error.
func each(t *testing.T, runs []run, f func(run) error) {
	t.Helper()
	var (
		mu    sync.Mutex
		errs  []error
		wg    sync.WaitGroup
		slots = make(chan struct{}, concurrency)
	)
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			if err := f(r); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i == 10 {
			t.Errorf("… and %d more", len(errs)-i)
			break
		}
		t.Error(err)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Millisecond) }
