package bench

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/temporal"
	"go.temporal.io/server/temporaltest"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/clusterkit"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

var (
	priorityBacklog = flag.Int("priority.backlog", 2000, "releases pending when the cashiers redeem, in BenchmarkCashierPriority")
	priorityRedeems = flag.Int("priority.redeems", 15, "redeems timed per phase (idle, backlog) and mode in BenchmarkCashierPriority")
	priorityQPS     = flag.Float64("priority.qps", 100, "CRM calls per second the worker may make (KYLIN_CRM_MAX_QPS) in BenchmarkCashierPriority")
	priorityModes   = flag.String("priority.modes", "off,on,fair", "matching modes of BenchmarkCashierPriority, comma-separated")
	priorityCluster = flag.Bool("priority.cluster", false, "run BenchmarkCashierPriority on the PostgreSQL cluster of tests/cluster (one process per service) rather than the in-process server")
)

// priorityMode is how the server's matching service orders one task
// queue's backlog. The workflow code and the worker are the same in all.
type priorityMode struct {
	name string
	// settings are the dynamic config settings for the mode's task queue.
	settings map[dynamicconfig.Key]any
}

var priorityModeList = []priorityMode{
	// The matcher from before task priority: first in, first out; the
	// priority keys the workflows set are ignored.
	{"off", map[dynamicconfig.Key]any{dynamicconfig.MatchingUseNewMatcher.Key(): false}},
	// The priority matcher (server v1.32's default): keys 1..5.
	{"on", nil},
	// Priority and, within one key, fairness between shops.
	{"fair", map[dynamicconfig.Key]any{dynamicconfig.MatchingEnableFairness.Key(): true}},
	// Priority, the task queue in one partition. Matching splits a task
	// queue's rate limit (KYLIN_CRM_MAX_QPS) between its partitions, four by
	// default, and orders tasks within each: a cashier's freeze waits for
	// the next token of its own partition (160 ms apart at 25 calls/s).
	{"single", map[dynamicconfig.Key]any{dynamicconfig.MatchingNumTaskqueueReadPartitions.Key(): 1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1}},
}

func priorityModesOf(t testing.TB, names string) []priorityMode {
	var out []priorityMode
	for name := range strings.SplitSeq(names, ",") {
		found := false
		for _, m := range priorityModeList {
			if m.name == strings.TrimSpace(name) {
				out, found = append(out, m), true
			}
		}
		require.True(t, found, "unknown priority mode %q", name)
	}
	return out
}

// priorityQueue is the task queue of a mode; its dynamic config is
// constrained to it.
func priorityQueue(mode string) string { return "bench-priority-" + mode }

// priorityDynamicConfig is the in-process server's dynamic config: what
// temporaltest sets, plus each mode's settings on its own task queue.
func priorityDynamicConfig(modes []priorityMode) dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): []dynamicconfig.ConstrainedValue{{Value: true}},
	}
	for _, m := range modes {
		for k, v := range m.settings {
			old, _ := dc[k].([]dynamicconfig.ConstrainedValue)
			dc[k] = append(old, dynamicconfig.ConstrainedValue{
				Constraints: dynamicconfig.Constraints{TaskQueueName: priorityQueue(m.name)}, Value: v})
		}
	}
	return dc
}

// startPriorityCluster starts the PostgreSQL cluster of tests/cluster with
// each mode's matching settings on its own task queue, and returns a client
// of its namespace.
func startPriorityCluster(ctx context.Context, s *scope, modes []priorityMode) *testenv.Temporal {
	flags := map[string]string{"off": "-fifo-queues", "fair": "-fair-queues", "single": "-single-partition-queues"}
	queues := map[string][]string{}
	for _, m := range modes {
		if f, ok := flags[m.name]; ok {
			queues[f] = append(queues[f], priorityQueue(m.name))
		}
	}
	var args []string
	for f, qs := range queues {
		args = append(args, f, strings.Join(qs, ","))
	}
	cl := clusterkit.Start(s, clusterkit.StartPostgres(s), args...)
	c, err := testenv.DialTemporal(ctx, cl.Frontend, clusterkit.Namespace)
	require.NoError(s, err)
	s.Cleanup(c.Close)
	return testenv.External(c, clusterkit.Namespace)
}

// priorityConfig sizes one run of the priority measurement.
type priorityConfig struct {
	backlog, redeems int
	// warmup redeems run untimed before the idle ones.
	warmup int
	qps    float64
	modes  []priorityMode
	// cluster runs it on the PostgreSQL cluster of tests/cluster.
	cluster bool
	// check, when set, looks at the server before it stops.
	check func(tp *testenv.Temporal)
}

// priorityFigures are one mode's redeem → FROZEN latencies, idle and while
// the backlog drains.
type priorityFigures struct {
	idle, backlog []time.Duration
	// idleQueued and backlogQueued are how long each redeem's tasks waited
	// in the task queues (queueWait): the part of its latency that task
	// priority decides.
	idleQueued, backlogQueued []time.Duration
	// backlogFreezeQueued is the freeze activity's share of backlogQueued.
	idleFreezeQueued, backlogFreezeQueued []time.Duration
	// drained is how long the backlog took to drain once the worker came back.
	drained time.Duration
}

// BenchmarkCashierPriority measures what a cashier waits for (redeem →
// FROZEN, workflows.Redeem) while a worker catches up on settlements after
// an outage: in each mode, first idle, then with priority.backlog releases
// (ReleasePointsWorkflow runs, one freeze each) pending in the task queue
// when the worker comes back, with the CRM rate capped at priority.qps
// calls a second (KYLIN_CRM_MAX_QPS), so that the backlog drains over
// seconds. The backlog's redeems arrive at a fixed pace (one every
// quietBefore), not one after the other, so that each meets the backlog as
// it stands then. The modes run on one server, each on its own task queue:
// off (the FIFO matcher), on (task priority), fair (priority and fairness).
// It reports each mode's p50 idle and under backlog and their ratio (the
// issue's target: ≤ 1.5 with priority).
func BenchmarkCashierPriority(b *testing.B) {
	cfg := priorityConfig{backlog: *priorityBacklog, redeems: *priorityRedeems, warmup: 5, qps: *priorityQPS, modes: priorityModesOf(b, *priorityModes),
		cluster: *priorityCluster}
	for i := range b.N {
		got := measurePriority(b, cfg, i)
		for _, m := range cfg.modes {
			f := got[m.name]
			idle, backlog := ms(percentile(f.idle, 50)), ms(percentile(f.backlog, 50))
			report(b, idle, m.name+"-idle-p50-ms")
			report(b, backlog, m.name+"-backlog-p50-ms")
			report(b, ms(percentile(f.backlog, 99)), m.name+"-backlog-max-ms")
			report(b, backlog/idle, m.name+"-backlog/idle-p50")
			report(b, f.drained.Seconds(), m.name+"-drain-s")
			idleQ, backlogQ := ms(percentile(f.idleQueued, 50)), ms(percentile(f.backlogQueued, 50))
			report(b, idleQ, m.name+"-idle-queued-p50-ms")
			report(b, backlogQ, m.name+"-backlog-queued-p50-ms")
			report(b, ms(percentile(f.idleFreezeQueued, 50)), m.name+"-idle-freeze-queued-p50-ms")
			report(b, ms(percentile(f.backlogFreezeQueued, 50)), m.name+"-backlog-freeze-queued-p50-ms")
		}
	}
}

// measurePriority runs every mode of cfg once, on one server and sandbox.
func measurePriority(tb testing.TB, cfg priorityConfig, run int) map[string]priorityFigures {
	s := newScope(tb)
	defer s.close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var tp *testenv.Temporal
	if cfg.cluster {
		tp = startPriorityCluster(ctx, s, cfg.modes)
	} else {
		tp = testenv.StartTemporal(s, temporaltest.WithBaseServerOptions(temporal.WithDynamicConfigClient(priorityDynamicConfig(cfg.modes))))
	}
	sb := testenv.StartSandbox(s, sandbox.Config{})
	fundMembers(s, sb)
	out := map[string]priorityFigures{}
	for _, m := range cfg.modes {
		out[m.name] = measurePriorityMode(ctx, tb, tp, sb, cfg, m, run)
	}
	if cfg.check != nil {
		cfg.check(tp)
	}
	return out
}

func measurePriorityMode(ctx context.Context, tb testing.TB, tp *testenv.Temporal, sb *testenv.Sandbox, cfg priorityConfig, m priorityMode, run int) priorityFigures {
	tq := priorityQueue(m.name)
	prefix := fmt.Sprintf("prio-%d-%s", run, m.name)
	var released atomic.Int64
	wcfg := testenv.WorkerConfig(sb.URL, tq)
	wcfg.MaxQPS = cfg.qps
	opts := workerapp.Options{WrapCRM: func(c activities.CRM) activities.CRM { return countReleases{c, &released} }}
	var f priorityFigures
	redeem := func(i int) time.Duration {
		start := time.Now()
		st, _, err := workflows.Redeem(ctx, tp.Client, fmt.Sprintf("%s-redeem-%d", prefix, i), tq, workflows.RedemptionRequest{
			MemberID: member(i), Points: 1, Description: "bench cashier", ShopCode: fmt.Sprintf("shop-%d", i%4), HoldSeconds: 3600})
		require.NoError(tb, frozen(st, err))
		return time.Since(start)
	}

	// Idle: the worker up, nothing else queued.
	up := newScope(tb)
	testenv.RunWorker(up, tp, wcfg, opts)
	for i := range cfg.warmup {
		redeem(10_000 + i) // warm-up, not timed
	}
	for i := range cfg.redeems {
		time.Sleep(quietBefore)
		f.idle = append(f.idle, redeem(i))
	}
	up.close()

	// The outage: only workflow tasks run, so the releases' activity tasks
	// pile up in the task queue.
	loadBacklog(ctx, tb, tp, sb, tq, prefix, cfg.backlog)

	// The worker comes back; the cashiers keep redeeming at a fixed pace.
	back := newScope(tb)
	defer back.close()
	start := time.Now()
	testenv.RunWorker(back, tp, wcfg, opts)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range cfg.redeems {
		wg.Go(func() {
			d := redeem(cfg.redeems + i)
			mu.Lock()
			f.backlog = append(f.backlog, d)
			mu.Unlock()
		})
		time.Sleep(quietBefore)
	}
	wg.Wait()
	for released.Load() < int64(cfg.backlog) {
		require.NoError(tb, ctx.Err(), "backlog not drained: %d of %d released", released.Load(), cfg.backlog)
		time.Sleep(100 * time.Millisecond)
	}
	f.drained = time.Since(start)
	for i := range cfg.redeems {
		all, freeze := queueWait(ctx, tb, tp, fmt.Sprintf("%s-redeem-%d", prefix, i))
		f.idleQueued, f.idleFreezeQueued = append(f.idleQueued, all), append(f.idleFreezeQueued, freeze)
		all, freeze = queueWait(ctx, tb, tp, fmt.Sprintf("%s-redeem-%d", prefix, cfg.redeems+i))
		f.backlogQueued, f.backlogFreezeQueued = append(f.backlogQueued, all), append(f.backlogFreezeQueued, freeze)
	}
	return f
}

// queueWait is how long redemption id's tasks waited in their task queues
// until it was FROZEN, read from its history: each workflow task's and the
// freeze activity's time from scheduled to started, up to the first
// activity's completion and the workflow task that followed it; freeze is
// the freeze activity's part.
func queueWait(ctx context.Context, tb testing.TB, tp *testenv.Temporal, id string) (total, freeze time.Duration) {
	tb.Helper()
	h := events(ctx, tb, tp, id)
	scheduled := map[int64]time.Time{}
	wftsAfterFreeze := 0
	frozen := false
	for _, e := range h {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			scheduled[e.GetEventId()] = e.GetEventTime().AsTime()
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			total += e.GetEventTime().AsTime().Sub(scheduled[e.GetWorkflowTaskStartedEventAttributes().GetScheduledEventId()])
			if frozen {
				wftsAfterFreeze++
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			if !frozen {
				freeze = e.GetEventTime().AsTime().Sub(scheduled[e.GetActivityTaskStartedEventAttributes().GetScheduledEventId()])
				total += freeze
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			frozen = true
		}
		if wftsAfterFreeze == 1 {
			break
		}
	}
	require.True(tb, frozen, "%s: no freeze completed", id)
	return total, freeze
}

// loadBacklog freezes n members' points straight on the sandbox and starts
// a ReleasePointsWorkflow for each, while only a workflow worker polls tq:
// it returns once the n release activity tasks wait in the task queue.
func loadBacklog(ctx context.Context, tb testing.TB, tp *testenv.Temporal, sb *testenv.Sandbox, tq, prefix string, n int) {
	tb.Helper()
	bare := &crm.Client{BaseURL: sb.URL, ServiceName: sandbox.DemoServiceName, Secret: sandbox.DemoSecret}
	w := worker.New(tp.Client, tq, worker.Options{LocalActivityWorkerOnly: true})
	workflows.Register(w, &activities.Activities{})
	require.NoError(tb, w.Start())
	defer w.Stop()
	require.NoError(tb, forEach(ctx, n, 16, func(ctx context.Context, i int) error {
		id := fmt.Sprintf("%s-settle-%d", prefix, i)
		f := workflows.FreezeResult{WorkflowID: id, Step: workflows.StepFreeze, MemberID: member(i), Points: 1,
			FreezeToken: workflows.BusinessToken(id, workflows.StepFreeze), Description: "bench backlog", ShopCode: fmt.Sprintf("shop-%d", i%4),
			Body: workflows.Body{MemberType: crm.DefaultMemberType, ChannelType: crm.DefaultChannelType}}
		if _, err := bare.Freeze(ctx, f.FreezeToken, crm.Request{MemberID: f.MemberID, Points: 1, Description: f.Description}); err != nil {
			return fmt.Errorf("freeze %s: %w", id, err)
		}
		_, err := tp.Client.ExecuteWorkflow(ctx, workflows.StartOptions(workflows.SettlementID(id), tq, "bench backlog"),
			workflows.ReleasePointsWorkflowName, workflows.SettleRequest{Freeze: f})
		return err
	}))
	for {
		got := activityBacklog(ctx, tb, tp, tq)
		if got >= int64(n) {
			return
		}
		require.NoError(tb, ctx.Err(), "backlog not loaded: %d of %d", got, n)
		time.Sleep(200 * time.Millisecond)
	}
}

// activityBacklog is the server's count of activity tasks waiting in tq.
func activityBacklog(ctx context.Context, tb testing.TB, tp *testenv.Temporal, tq string) int64 {
	resp, err := tp.Client.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace:     tp.Namespace(),
		TaskQueue:     &taskqueuepb.TaskQueue{Name: tq, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		TaskQueueType: enumspb.TASK_QUEUE_TYPE_ACTIVITY,
		ReportStats:   true,
	})
	require.NoError(tb, err)
	return resp.GetStats().GetApproximateBacklogCount()
}

// countReleases counts the releases the CRM answered.
type countReleases struct {
	activities.CRM
	n *atomic.Int64
}

func (c countReleases) Release(ctx context.Context, token string, req crm.Request) (crm.Result, error) {
	res, err := c.CRM.Release(ctx, token, req)
	if err == nil {
		c.n.Add(1)
	}
	return res, err
}
