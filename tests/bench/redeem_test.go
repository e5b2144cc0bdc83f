package bench

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

var redeemCount = flag.Int("redeem.count", 100, "redeems per way per run of BenchmarkRedeemLatency")

// quietBefore is the pause before each timed call (see measureRedeems).
const quietBefore = 300 * time.Millisecond

// pollEvery is how often the starter asked for the status before
// Update-with-Start: the way redeem waited, measured here as "before".
const pollEvery = 200 * time.Millisecond

// noopFreezeWorkflow is the floor's workflow: one activity that does
// nothing, then done, answering the same awaitFreeze Update.
func noopFreezeWorkflow(ctx workflow.Context) error {
	done := false
	if err := workflow.SetUpdateHandler(ctx, workflows.UpdateAwaitFreeze, func(ctx workflow.Context) (string, error) {
		return "done", workflow.Await(ctx, func() bool { return done })
	}); err != nil {
		return err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	err := workflow.ExecuteActivity(actx, noopActivity).Get(actx, nil)
	done = true
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return err
}

func noopActivity(context.Context) error { return nil }

// BenchmarkRedeemLatency measures what a cashier waits for: redeem's start
// → FROZEN, one redemption at a time, three ways in one run on one server
// and sandbox, interleaved so that load drifts into all of them alike, each
// call after the same short pause:
//
//   - before: start, then ask the status query every 200ms (the starter's
//     way before Update-with-Start),
//   - after: workflows.Redeem, one Update-with-Start of awaitFreeze,
//   - the floor: a no-op one-activity workflow through Update-with-Start,
//     plus one bare CRM freeze (crm.Client against the sandbox).
//
// It reports each p50 and p99, after/floor at p50 (target ≤ 1.25) and the
// status queries each way sent per redeem, counted on the client's wire.
func BenchmarkRedeemLatency(b *testing.B) {
	for i := range b.N {
		s := newScope(b)
		tp := testenv.StartTemporal(s)
		var queries atomic.Int64
		c := tp.Server.NewClientWithOptions(client.Options{ConnectionOptions: client.ConnectionOptions{
			DialOptions: []grpc.DialOption{grpc.WithChainUnaryInterceptor(countQueries(&queries))}}})
		sb := testenv.StartSandbox(s, sandbox.Config{})
		fundMembers(s, sb)
		const taskQueue = "bench-redeem"
		testenv.RunWorker(s, tp, testenv.WorkerConfig(sb.URL, taskQueue), workerapp.Options{
			Register: func(r worker.Registry, a *activities.Activities) {
				workflows.Register(r, a)
				r.RegisterWorkflowWithOptions(noopFreezeWorkflow, workflow.RegisterOptions{Name: "NoopFreeze"})
				r.RegisterActivity(noopActivity)
			},
		})
		bare := &crm.Client{BaseURL: sb.URL, ServiceName: sandbox.DemoServiceName, Secret: sandbox.DemoSecret,
			HTTPClient: &http.Client{Transport: crm.NewTransport()}}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		m := measureRedeems(ctx, b, c, bare, taskQueue, i, &queries)
		cancel()
		s.close()
		for way, ds := range m.latency {
			report(b, ms(percentile(ds, 50)), way+"-p50-ms")
			report(b, ms(percentile(ds, 99)), way+"-p99-ms")
		}
		floor := ms(percentile(m.latency["floor-workflow"], 50)) + ms(percentile(m.latency["floor-crm"], 50))
		report(b, floor, "floor-p50-ms")
		report(b, ms(percentile(m.latency["after"], 50))/floor, "after/floor-p50")
		report(b, ms(percentile(m.latency["before"], 50))/floor, "before/floor-p50")
		report(b, float64(m.queries["before"])/float64(*redeemCount), "before-queries/redeem")
		report(b, float64(m.queries["after"])/float64(*redeemCount), "after-queries/redeem")
	}
}

// redeemFigures are one run's latencies, by way, and queries sent by way.
type redeemFigures struct {
	latency map[string][]time.Duration
	queries map[string]int64
}

func measureRedeems(ctx context.Context, b *testing.B, c client.Client, bare *crm.Client, taskQueue string, run int, queries *atomic.Int64) redeemFigures {
	b.Helper()
	m := redeemFigures{latency: map[string][]time.Duration{}, queries: map[string]int64{}}
	timed := func(way string, fn func() error) {
		// Each call starts from a quiet worker, as a cashier's redeem meets
		// one: back to back, a workflow task waits tens of milliseconds for
		// a poller that is still busy with the last one, and the way that
		// happened to follow an idle moment (the polling way sleeps) would
		// win for that alone.
		time.Sleep(quietBefore)
		before := queries.Load()
		start := time.Now()
		require.NoError(b, fn(), way)
		m.latency[way] = append(m.latency[way], time.Since(start))
		m.queries[way] += queries.Load() - before
	}
	req := func(i int) workflows.RedemptionRequest {
		return workflows.RedemptionRequest{MemberID: member(i), Points: 1, Description: "bench redeem", HoldSeconds: 3600}
	}
	for i := range *redeemCount + sagaWarmup {
		warm := i < sagaWarmup
		id := func(way string) string { return fmt.Sprintf("redeem-%d-%s-%d", run, way, i) }
		ways := []struct {
			name string
			fn   func() error
		}{
			{"after", func() error {
				st, _, err := workflows.Redeem(ctx, c, id("after"), taskQueue, req(i))
				return frozen(st, err)
			}},
			{"before", func() error { return redeemByPolling(ctx, c, id("before"), taskQueue, req(i)) }},
			{"floor-workflow", func() error {
				start := c.NewWithStartWorkflowOperation(workflows.StartOptions(id("noop"), taskQueue, "noop"), "NoopFreeze")
				h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: start,
					UpdateOptions: client.UpdateWorkflowOptions{UpdateName: workflows.UpdateAwaitFreeze, WaitForStage: client.WorkflowUpdateStageCompleted}})
				if err == nil {
					err = h.Get(ctx, nil)
				}
				return err
			}},
			{"floor-crm", func() error {
				_, err := bare.Freeze(ctx, workflows.BusinessToken(id("bare"), workflows.StepFreeze),
					crm.Request{MemberID: member(i), Description: "bench bare freeze", Points: 1})
				return err
			}},
		}
		for k := range ways { // rotate the order, so that no way always runs first
			w := ways[(k+i)%len(ways)]
			if warm {
				require.NoError(b, w.fn(), w.name)
				continue
			}
			timed(w.name, w.fn)
		}
	}
	return m
}

// redeemByPolling is redeem as it was: start, then ask the status query
// every pollEvery until the freeze has settled.
func redeemByPolling(ctx context.Context, c client.Client, id, taskQueue string, req workflows.RedemptionRequest) error {
	if _, err := testenv.StartRedemption(ctx, c, id, taskQueue, req); err != nil {
		return err
	}
	for {
		st, err := testenv.Status(ctx, c, id)
		if err == nil && st.State != workflows.StateFreezing {
			return frozen(st, nil)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

func frozen(st workflows.RedemptionStatus, err error) error {
	if err == nil && st.State != workflows.StateFrozen {
		err = fmt.Errorf("%s: %s, not FROZEN: %s", st.WorkflowID, st.State, st.Error)
	}
	return err
}

// countQueries counts the workflow queries a client sends.
func countQueries(n *atomic.Int64) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if method == "/temporal.api.workflowservice.v1.WorkflowService/QueryWorkflow" {
			n.Add(1)
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
