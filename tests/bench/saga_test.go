package bench

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

var (
	sagaCount       = flag.Int("saga.count", 500, "redemptions per variant per run of BenchmarkSaga")
	sagaConcurrency = flag.Int("saga.concurrency", 50, "redemptions in flight at once in BenchmarkSaga")
)

// sagaWarmup redemptions run before the clock starts, so that pollers,
// connections and caches are up.
const sagaWarmup = 20

// sagaVariant is one way to run the saga: which ledger, which CRM.
type sagaVariant struct {
	name string
	// path is the ledger file under dir, "" for memory.
	path func(dir string) string
	opts workerapp.Options
}

var sagaVariants = []sagaVariant{
	{"memory", func(string) string { return "" }, workerapp.Options{}},
	{"file", func(dir string) string { return filepath.Join(dir, "ledger.db") }, workerapp.Options{}},
	{"noop", func(string) string { return "" }, workerapp.Options{WrapCRM: replaceCRM}},
}

// sagaRuns counts the calls of BenchmarkSaga, to rotate the variants' order.
var sagaRuns int

// BenchmarkSaga measures RedemptionWorkflows completed per second, start →
// FROZEN → confirm → CONSUMED, on the in-process Temporal server with one
// in-process worker (workerapp, default options), in three variants: the
// sandbox in memory, the sandbox on a file, and no-op activities (the same
// workflow and activity code with a CRM that answers success at once: the
// engine's ceiling). Each run measures all three back to back, each on a
// fresh server, in an order that rotates between runs, and reports their
// ratios to the ceiling, so that the machine's load drifts less into them.
func BenchmarkSaga(b *testing.B) {
	k := sagaRuns % len(sagaVariants)
	order := slices.Concat(sagaVariants[k:], sagaVariants[:k])
	sagaRuns++
	for i := range b.N {
		rate, cpu := map[string]float64{}, map[string]float64{}
		for _, v := range order {
			r := runSagas(b, v, i)
			rate[v.name], cpu[v.name] = r.perSecond, r.cpuPerSaga
			report(b, r.perSecond, v.name+"-"+unitWorkflows)
			report(b, r.cpuPerSaga, v.name+"-"+unitCPU)
		}
		report(b, rate["memory"]/rate["noop"], "memory/noop")
		report(b, rate["file"]/rate["noop"], "file/noop")
		// CPU-bound, throughput is inverse to CPU per saga.
		report(b, cpu["noop"]/cpu["memory"], "memory/noop-by-cpu")
		report(b, cpu["noop"]/cpu["file"], "file/noop-by-cpu")
	}
}

// sagaResult is what one timed run of a variant measured.
type sagaResult struct {
	perSecond float64
	// cpuPerSaga is this process's CPU milliseconds per redemption.
	cpuPerSaga float64
}

// runSagas runs sagaCount redemptions of variant v on a fresh server,
// sandbox and worker, and measures them.
func runSagas(b *testing.B, v sagaVariant, run int) sagaResult {
	b.StopTimer()
	s := newScope(b)
	defer s.close()
	tp := testenv.StartTemporal(s)
	sb := testenv.StartSandbox(s, sandbox.Config{Path: v.path(b.TempDir())})
	fundMembers(s, sb)
	const taskQueue = "bench-saga"
	testenv.RunWorker(s, tp, testenv.WorkerConfig(sb.URL, taskQueue), v.opts)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	warm := driver{c: tp.Client, taskQueue: taskQueue, prefix: "warmup"}
	require.NoError(b, forEach(ctx, sagaWarmup, sagaWarmup, warm.saga))

	b.StartTimer()
	d := driver{c: tp.Client, taskQueue: taskQueue, prefix: fmt.Sprintf("saga-%d", run)}
	start, cpu := time.Now(), processCPU()
	require.NoError(b, forEach(ctx, *sagaCount, *sagaConcurrency, d.saga))
	n := float64(*sagaCount)
	return sagaResult{
		perSecond:  n / time.Since(start).Seconds(),
		cpuPerSaga: float64((processCPU() - cpu).Milliseconds()) / n,
	}
}
