package bench

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

var capacityDuration = flag.Duration("capacity.duration", 3*time.Second, "how long each run of BenchmarkSandboxCapacity sends freezes")

// BenchmarkSandboxCapacity measures durable freezes per second of the
// sandbox on a file (SQLite, WAL, synchronous=FULL: an answer leaves only
// after the commit holding its effect is on disk) with 1, 8 and 64 clients,
// each sending signed freezes over HTTP through crm.Client back to back.
func BenchmarkSandboxCapacity(b *testing.B) {
	for _, clients := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("clients-%d", clients), func(b *testing.B) {
			sb := testenv.StartSandbox(b, sandbox.Config{Path: filepath.Join(b.TempDir(), "ledger.db")})
			fundMembers(b, sb)
			c := benchClient(sb.URL)
			b.ResetTimer()
			for range b.N {
				deadline := time.Now().Add(*capacityDuration)
				var done atomic.Int64
				start := time.Now()
				err := forEach(context.Background(), clients, clients, func(ctx context.Context, k int) error {
					for n := k; time.Now().Before(deadline); n += clients {
						if _, err := c.Freeze(ctx, uuid.NewString(), freezeRequest(n)); err != nil {
							return err
						}
						done.Add(1)
					}
					return nil
				})
				elapsed := time.Since(start)
				require.NoError(b, err)
				report(b, float64(done.Load())/elapsed.Seconds(), unitFreezes)
			}
		})
	}
}
