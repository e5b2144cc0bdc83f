package bench

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

var (
	parkedCount       = flag.Int("parked.count", 1000, "redemptions parked in FROZEN per run of BenchmarkParkedRedemptions")
	parkedConcurrency = flag.Int("parked.concurrency", 50, "redemptions started or confirmed at once in BenchmarkParkedRedemptions")
)

// BenchmarkParkedRedemptions runs the real worker binary as its own process,
// parks parked.count redemptions in FROZEN, reads the worker's resident
// memory (VmRSS of /proc/PID/status), then confirms them all and times it.
func BenchmarkParkedRedemptions(b *testing.B) {
	bin := testenv.Binary(b, "./worker")
	tp := testenv.StartTemporal(b)
	sb := testenv.StartSandbox(b, sandbox.Config{})
	fundMembers(b, sb)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	b.ResetTimer()
	for i := range b.N {
		taskQueue := fmt.Sprintf("bench-parked-%d", i)
		worker := startProcess(b, bin, testenv.Env(
			"TEMPORAL_ADDRESS="+tp.HostPort(),
			"TEMPORAL_NAMESPACE="+tp.Namespace(),
			"KYLIN_TASK_QUEUE="+taskQueue,
			"KYLIN_CRM_BASE_URL="+sb.URL,
			"KYLIN_CRM_SERVICE_NAME="+sandbox.DemoServiceName,
			"KYLIN_CRM_SERVICE_SECRET="+sandbox.DemoSecret,
			"KYLIN_LOG_LEVEL=warn",
		))
		warm := driver{c: tp.Client, taskQueue: taskQueue, prefix: fmt.Sprintf("parked-warmup-%d", i)}
		require.NoError(b, forEach(ctx, sagaWarmup, sagaWarmup, warm.saga))
		idle, err := worker.memoryMB("VmRSS")
		require.NoError(b, err)

		d := driver{c: tp.Client, taskQueue: taskQueue, prefix: fmt.Sprintf("parked-%d", i)}
		start := time.Now()
		require.NoError(b, forEach(ctx, *parkedCount, *parkedConcurrency, d.park))
		parkTime := time.Since(start)
		parked, err := worker.memoryMB("VmRSS")
		require.NoError(b, err)

		start = time.Now()
		require.NoError(b, forEach(ctx, *parkedCount, *parkedConcurrency, d.confirm))
		confirmTime := time.Since(start)
		peak, err := worker.memoryMB("VmHWM")
		require.NoError(b, err)
		worker.stop(b)

		report(b, idle, "rss-idle-MB")
		report(b, parked, "rss-parked-MB")
		report(b, peak, "rss-peak-MB")
		report(b, parkTime.Seconds(), "park-all-s")
		report(b, confirmTime.Seconds(), "confirm-all-s")
		report(b, float64(*parkedCount)/confirmTime.Seconds(), "confirms/s")
	}
}
