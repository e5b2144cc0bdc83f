package bench

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/workerapp"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// TestLoadSmoke runs BenchmarkLoad's open loop small, on the in-process
// server and worker instead of the cluster: two rates for a second each,
// every redemption CONSUMED, the CRM calls and CPU counted, the plot
// drawn. No figure is judged: speed is the benchmark's.
func TestLoadSmoke(t *testing.T) {
	tp := testenv.StartTemporal(t)
	sb := testenv.StartSandbox(t, sandbox.Config{})
	fundMembers(t, sb)
	const taskQueue = "bench-load-smoke"
	testenv.RunWorker(t, tp, testenv.WorkerConfig(sb.URL, taskQueue), workerapp.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	target := loadTarget{
		run:  redeemAndConfirm(tp.Client, taskQueue),
		pids: func() []int { return []int{os.Getpid()} },
		crmCalls: func(context.Context) int64 {
			var n int64
			for _, op := range []string{"freeze", "release", "consume"} {
				for _, v := range sb.Stats().Calls[op] {
					n += v
				}
			}
			return n
		},
	}
	warm(ctx, t, target, "smoke-warm")
	steps := stepUp(ctx, t, "smoke", []float64{3, 6}, time.Second, p99Knee(1e9), target)
	require.Len(t, steps, 2, "no knee at a factor of 1e9")
	var plot []series
	sr := series{name: "in-process"}
	for _, s := range steps {
		require.Zero(t, s.failed)
		require.Equal(t, int(s.offered), s.done, "an open loop of 1s at %g/s starts %g", s.offered, s.offered)
		require.Equal(t, int64(2*s.done), s.crmCalls, "a freeze and a consume each")
		require.Positive(t, s.cpu)
		require.Positive(t, s.rssMB)
		require.Positive(t, s.frozen.quantile(99))
		sr.x, sr.y = append(sr.x, s.offered), append(sr.y, ms(s.frozen.quantile(99)))
	}
	var buf bytes.Buffer
	require.NoError(t, writeSVG(&buf, "smoke", "offered/s", "p99 ms", append(plot, sr)))
	writeLoadTable(t, loadResult{byWorkers: map[int][]loadStep{1: steps}})
}
