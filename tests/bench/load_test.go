package bench

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/tests/internal/clusterkit"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

var (
	loadRates    = flag.String("load.rates", "2,4,6,8,12,16,24,32", "offered redemptions per second, stepped up until the knee, in BenchmarkLoad")
	loadDuration = flag.Duration("load.duration", 10*time.Second, "how long each rate is offered in BenchmarkLoad")
	loadWorkers  = flag.String("load.workers", "1,2,3", "worker processes, in BenchmarkLoad")
	loadPlot     = flag.String("load.plot", "", "where BenchmarkLoad writes its SVG plot of p99 against offered rate (default: none)")
	loadKnee     = flag.Float64("load.knee", 2, "the knee: p99 above this many times its value at the lowest rate")
)

// loadStep is what one offered rate gave.
type loadStep struct {
	offered float64
	// frozen is redeem → FROZEN, consumed confirm → CONSUMED.
	frozen, consumed histogram
	// done counts the redemptions CONSUMED, failed the others.
	done, failed int
	// took is from the first arrival to the last answer.
	took time.Duration
	// crmCalls is the CRM calls the sandbox answered during the step.
	crmCalls int64
	// cpu is the workers' CPU time (user + system) during the step; rss
	// their resident memory at its end, summed.
	cpu   time.Duration
	rssMB float64
}

// held is the throughput held: redemptions CONSUMED a second.
func (s loadStep) held() float64 { return float64(s.done) / s.took.Seconds() }

// openLoop offers rate arrivals a second for d: arrival i calls fn at
// start + i/rate, whether or not the earlier ones have answered (an open
// loop: a slow system does not slow the arrivals down). It waits for every
// call and returns how long from the first arrival to the last answer.
func openLoop(ctx context.Context, rate float64, d time.Duration, fn func(ctx context.Context, i int)) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; ; i++ {
		at := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if at.Sub(start) >= d {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(at)):
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() { fn(ctx, i) })
	}
	wg.Wait()
	return time.Since(start)
}

// loadTarget is what the load drives: how a redemption is run, and the
// processes whose CPU and memory count.
type loadTarget struct {
	run  func(ctx context.Context, id string, i int, s *loadStep, mu *sync.Mutex)
	pids func() []int
	// crmCalls is the CRM's count of calls so far; nil for none.
	crmCalls func(ctx context.Context) int64
}

// stepUp offers each rate in turn for d until the step is past the knee
// (pastKnee: the steps so far, the last one just run), and returns the
// steps run.
func stepUp(ctx context.Context, tb testing.TB, prefix string, rates []float64, d time.Duration, pastKnee func([]loadStep) bool, target loadTarget) []loadStep {
	var steps []loadStep
	for _, rate := range rates {
		s := loadStep{offered: rate}
		var mu sync.Mutex
		cpuBefore := cpuOf(tb, target.pids())
		var callsBefore int64
		if target.crmCalls != nil {
			callsBefore = target.crmCalls(ctx)
		}
		s.took = openLoop(ctx, rate, d, func(ctx context.Context, i int) {
			target.run(ctx, fmt.Sprintf("%s-%g-%d", prefix, rate, i), i, &s, &mu)
		})
		s.cpu = cpuOf(tb, target.pids()) - cpuBefore
		for _, pid := range target.pids() {
			s.rssMB += procStatusMB(tb, pid, "VmRSS")
		}
		if target.crmCalls != nil {
			s.crmCalls = target.crmCalls(ctx) - callsBefore
		}
		steps = append(steps, s)
		tb.Logf("%s: offered %g/s: held %.1f/s, FROZEN p50 %s p99 %s, CONSUMED p99 %s, %d failed",
			prefix, rate, s.held(), s.frozen.quantile(50), s.frozen.quantile(99), s.consumed.quantile(99), s.failed)
		if pastKnee(steps) {
			break
		}
	}
	return steps
}

// BenchmarkLoad drives redemptions at fixed arrival rates (an open loop)
// against the production topology of tests/cluster: PostgreSQL, one
// process per Temporal service, the sandbox and the worker binary, 1, 2,
// then 3 worker processes on one task queue. Each rate of load.rates runs
// load.duration; a worker count stops at its knee, the first rate whose
// redeem → FROZEN p99 passes load.knee × its value at the lowest rate.
// Each redemption is redeemed (workflows.Redeem) and confirmed at once
// (workflows.Decide), as a points mall does. Per step it reports the
// latencies, throughput held, CRM calls per redemption and the workers'
// CPU and memory per 1,000 redemptions. In the same run, a no-op workflow
// (start, complete; an in-process SDK worker on its own task queue) is
// driven the same way on the same cluster: its highest throughput held is
// the ceiling the redemption's is divided by; it is stepped up until it
// saturates (held < 90 % of offered) rather than by the p99 knee.
func BenchmarkLoad(b *testing.B) {
	rates := parseFloats(b, *loadRates)
	counts := parseFloats(b, *loadWorkers)
	for run := range b.N {
		res := runLoad(b, rates, counts, *loadDuration, *loadKnee, run)
		var plot []series
		best := 0.0
		for _, w := range counts {
			steps := res.byWorkers[int(w)]
			knee, top := steps[len(steps)-1], 0.0
			sr := series{name: fmt.Sprintf("%g worker(s)", w)}
			for _, s := range steps {
				top = max(top, s.held())
				sr.x, sr.y = append(sr.x, s.offered), append(sr.y, ms(s.frozen.quantile(99)))
			}
			best = max(best, top)
			plot = append(plot, sr)
			name := fmt.Sprintf("w%g-", w)
			report(b, knee.offered, name+"knee-offered/s")
			report(b, top, name+"held-max/s")
			low := steps[0]
			report(b, ms(low.frozen.quantile(50)), name+"low-frozen-p50-ms")
			report(b, ms(low.frozen.quantile(99)), name+"low-frozen-p99-ms")
			report(b, ms(low.consumed.quantile(99)), name+"low-consumed-p99-ms")
			report(b, float64(low.crmCalls)/float64(max(low.done, 1)), name+"crm-calls/redemption")
			report(b, low.cpu.Seconds()/float64(max(low.done, 1))*1000, name+"cpu-s/1000")
			report(b, low.rssMB/float64(w), name+"rss-mb/worker")
		}
		noopTop := 0.0
		for _, s := range res.noop {
			noopTop = max(noopTop, s.held())
		}
		report(b, noopTop, "noop-held-max/s")
		report(b, best/noopTop, "held/noop")
		if *loadPlot != "" {
			f, err := os.Create(*loadPlot)
			require.NoError(b, err)
			require.NoError(b, writeSVG(f, "redeem → FROZEN p99 against offered rate", "offered redemptions/s", "p99, ms (log)", plot))
			require.NoError(b, f.Close())
		}
		writeLoadTable(b, res)
	}
}

// loadResult is one run of BenchmarkLoad: the steps per worker count and
// the no-op workflow's.
type loadResult struct {
	byWorkers map[int][]loadStep
	noop      []loadStep
}

// p99Knee is the knee: redeem → FROZEN p99 above knee × its value
// at the lowest rate (or more failed than done).
func p99Knee(knee float64) func([]loadStep) bool {
	return func(steps []loadStep) bool {
		s := steps[len(steps)-1]
		return s.frozen.quantile(99) > time.Duration(knee*float64(steps[0].frozen.quantile(99))) || s.failed > s.done
	}
}

// saturated is the no-op's stop: the throughput held falls below 90 % of
// the offered rate, so the highest held is its capacity on this cluster
// (its p99 at a low rate is a few samples, too noisy to stop it by).
func saturated(steps []loadStep) bool {
	s := steps[len(steps)-1]
	return s.held() < 0.9*s.offered || s.failed > 0
}

// runLoad starts the cluster and the sandbox, then steps the load up with
// each worker count, adding worker processes, then the no-op workflow.
func runLoad(tb testing.TB, rates, counts []float64, d time.Duration, knee float64, run int) loadResult {
	s := newScope(tb)
	defer s.close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	pg := clusterkit.StartPostgres(s)
	cl := clusterkit.Start(s, pg)
	c, err := testenv.DialTemporal(ctx, cl.Frontend, clusterkit.Namespace)
	require.NoError(tb, err)
	defer c.Close()
	dir := tb.TempDir()
	sb := testenv.StartSandboxProcess(s, dir, "-demo=false")
	for i := range benchMembers {
		_, err := sb.Admin().Grant(ctx, member(i), benchBalance)
		require.NoError(tb, err)
	}
	const taskQueue = "kylin-load"
	bin := testenv.Binary(tb, "./worker")
	var procs []*testenv.Process
	res := loadResult{byWorkers: map[int][]loadStep{}}
	target := loadTarget{
		run: redeemAndConfirm(c, taskQueue),
		pids: func() []int {
			var pids []int
			for _, p := range procs {
				pids = append(pids, p.Pid())
			}
			return pids
		},
		crmCalls: func(ctx context.Context) int64 {
			st, err := sb.Admin().Stats(ctx)
			require.NoError(tb, err)
			var n int64
			for _, op := range []string{"freeze", "release", "consume"} {
				for _, v := range st.Calls[op] {
					n += v
				}
			}
			return n
		},
	}
	for _, w := range counts {
		for len(procs) < int(w) {
			procs = append(procs, testenv.StartWorkerAt(s, bin, cl.Frontend, clusterkit.Namespace, sb.URL, taskQueue,
				filepath.Join(dir, fmt.Sprintf("worker-%d.log", len(procs))), "KYLIN_LOG_LEVEL=error"))
		}
		require.NoError(tb, testenv.WaitPoller(ctx, c, taskQueue))
		warm(ctx, tb, target, fmt.Sprintf("load-%d-w%g-warm", run, w))
		res.byWorkers[int(w)] = stepUp(ctx, tb, fmt.Sprintf("load-%d-w%g", run, w), rates, d, p99Knee(knee), target)
	}
	for _, p := range procs {
		p.Kill()
	}
	res.noop = runNoop(ctx, tb, c, noopRates(rates), d, run)
	cl.CheckAlive()
	return res
}

// noopRates are the rates the no-op is offered: the redemptions' rates,
// then doubling up to 16 times the highest, so that it saturates.
func noopRates(rates []float64) []float64 {
	out := append([]float64(nil), rates...)
	top := rates[len(rates)-1]
	for r := top * 2; r <= top*16; r *= 2 {
		out = append(out, r)
	}
	return out
}

// warm runs a few redemptions untimed, so that connections and caches are up.
func warm(ctx context.Context, tb testing.TB, target loadTarget, prefix string) {
	var s loadStep
	var mu sync.Mutex
	for i := range 5 {
		target.run(ctx, fmt.Sprintf("%s-%d", prefix, i), i, &s, &mu)
	}
	require.Zero(tb, s.failed, "warm-up redemptions failed")
}

// redeemAndConfirm runs one redemption as a points mall does and records
// its two latencies in the step.
func redeemAndConfirm(c client.Client, taskQueue string) func(ctx context.Context, id string, i int, s *loadStep, mu *sync.Mutex) {
	return func(ctx context.Context, id string, i int, s *loadStep, mu *sync.Mutex) {
		start := time.Now()
		st, _, err := workflows.Redeem(ctx, c, id, taskQueue, workflows.RedemptionRequest{
			MemberID: member(i), Points: 1, Description: "bench load", HoldSeconds: 3600})
		frozenIn := time.Since(start)
		err = frozen(st, err)
		var consumedIn time.Duration
		if err == nil {
			start = time.Now()
			st, err = testenv.Decide(ctx, c, id, workflows.UpdateConfirm)
			consumedIn = time.Since(start)
			if err == nil && st.State != workflows.StateConsumed {
				err = fmt.Errorf("%s: %s after confirm", id, st.State)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			s.failed++
			return
		}
		s.frozen.record(frozenIn)
		s.consumed.record(consumedIn)
		s.done++
	}
}

// noopWorkflow is the ceiling's workflow: started, completed, nothing else.
func noopWorkflow(workflow.Context) error { return nil }

// runNoop drives the no-op workflow the same way, through an in-process
// worker: start → completed is its "FROZEN" latency.
func runNoop(ctx context.Context, tb testing.TB, c client.Client, rates []float64, d time.Duration, run int) []loadStep {
	const taskQueue = "kylin-load-noop"
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(noopWorkflow, workflow.RegisterOptions{Name: "Noop"})
	require.NoError(tb, w.Start())
	defer w.Stop()
	target := loadTarget{
		pids: func() []int { return nil },
		run: func(ctx context.Context, id string, _ int, s *loadStep, mu *sync.Mutex) {
			start := time.Now()
			r, err := c.ExecuteWorkflow(ctx, workflows.StartOptions(id, taskQueue, "noop"), "Noop")
			if err == nil {
				err = r.Get(ctx, nil)
			}
			in := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				s.failed++
				return
			}
			s.frozen.record(in)
			s.done++
		},
	}
	warm(ctx, tb, target, fmt.Sprintf("noop-%d-warm", run))
	return stepUp(ctx, tb, fmt.Sprintf("noop-%d", run), rates, d, saturated, target)
}

// writeLoadTable prints every step of the run, for BENCHMARKS.md.
func writeLoadTable(tb testing.TB, res loadResult) {
	var sb strings.Builder
	sb.WriteString("| workers | offered/s | held/s | FROZEN p50 / p99 / max ms | CONSUMED p50 / p99 / max ms | CRM calls/redemption | CPU s/1000 | RSS MB (all workers) | failed |\n|---|---|---|---|---|---|---|---|---|\n")
	row := func(w string, s loadStep) {
		fmt.Fprintf(&sb, "| %s | %g | %.1f | %.0f / %.0f / %.0f | %.0f / %.0f / %.0f | %.2f | %.1f | %.0f | %d |\n",
			w, s.offered, s.held(), ms(s.frozen.quantile(50)), ms(s.frozen.quantile(99)), ms(s.frozen.max),
			ms(s.consumed.quantile(50)), ms(s.consumed.quantile(99)), ms(s.consumed.max),
			float64(s.crmCalls)/float64(max(s.done, 1)), s.cpu.Seconds()/float64(max(s.done, 1))*1000, s.rssMB, s.failed)
	}
	for w := 1; w <= 16; w++ {
		for _, s := range res.byWorkers[w] {
			row(strconv.Itoa(w), s)
		}
	}
	for _, s := range res.noop {
		row("no-op", s)
	}
	fmt.Println(sb.String())
	tb.Log("\n" + sb.String())
}

func parseFloats(tb testing.TB, list string) []float64 {
	var out []float64
	for f := range strings.SplitSeq(list, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		require.NoError(tb, err, "in %q", list)
		out = append(out, v)
	}
	return out
}

// cpuOf sums the user and system CPU time of processes pids (/proc/<pid>/stat).
func cpuOf(tb testing.TB, pids []int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		require.NoError(tb, err)
		// Fields after the command's closing parenthesis: state is field 3,
		// utime 14 and stime 15, in clock ticks (100 a second on Linux).
		rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
		f := strings.Fields(rest)
		if len(f) < 13 {
			tb.Fatalf("short /proc/%d/stat", pid)
		}
		for _, s := range f[11:13] {
			ticks, err := strconv.ParseInt(s, 10, 64)
			require.NoError(tb, err)
			total += time.Duration(ticks) * 10 * time.Millisecond
		}
	}
	return total
}

// procStatusMB reads a memory field of /proc/<pid>/status, in MB.
func procStatusMB(tb testing.TB, pid int, field string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(tb, err)
	defer f.Close()
	v, err := statusFieldMB(bufio.NewScanner(f), field)
	require.NoError(tb, err)
	return v
}
