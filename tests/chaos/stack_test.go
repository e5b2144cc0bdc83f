package chaos

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// Fault rates of the issue, on every operation. The worker's CRM client
// gives up on an HTTP attempt after crmTimeout; a latency fault holds the
// request longer, and the sandbox applies it after the client has gone.
var sandboxFaultFlags = []string{
	"-fail-before", "0.20", "-fail-after", "0.10", "-latency", "0.05", "-too-many", "0.05",
	"-latency-duration", "3s", "-retry-after", "1s", "-seed", "42", "-demo=false",
}

const crmTimeout = "2s"

// taskQueue is the chaos run's own task queue.
const taskQueue = "kylin-chaos"

// stack is what a chaos run kills and restarts: the worker binary and the
// sandbox command, each a process, around an in-process Temporal server.
type stack struct {
	t         *testing.T
	began     time.Time
	tp        *testenv.Temporal
	sb        *testenv.SandboxProcess
	admin     testenv.Admin
	worker    *testenv.Process
	workerLog string
	// kills and restarts count what was done to the processes; firstLives
	// are the sandbox's counters read just before each of its restarts.
	kills, restarts int
	firstLives      []sandbox.Stats
}

func startStack(t *testing.T, began time.Time) *stack {
	dir := t.TempDir()
	s := &stack{t: t, began: began, tp: testenv.StartTemporal(t), workerLog: filepath.Join(dir, "worker.log")}
	s.sb = testenv.StartSandboxProcess(t, dir, sandboxFaultFlags...)
	s.admin = s.sb.Admin()
	s.worker = s.startWorker()
	return s
}

func (s *stack) startWorker() *testenv.Process {
	return testenv.StartWorkerProcess(s.t, s.tp, s.sb.URL, taskQueue, s.workerLog, "KYLIN_CRM_TIMEOUT="+crmTimeout)
}

// killWorker SIGKILLs the worker and starts a new one.
func (s *stack) killWorker() {
	s.worker.Kill()
	s.kills++
	s.logf("worker SIGKILLed (%d), a new one started", s.kills)
	s.worker = s.startWorker()
}

// restartSandbox SIGKILLs the sandbox and starts it again on its ledger
// file and port, keeping the counters of the life that ended.
func (s *stack) restartSandbox(ctx context.Context) {
	st, err := s.admin.Stats(ctx)
	require.NoError(s.t, err)
	s.firstLives = append(s.firstLives, st)
	s.sb.Restart(s.t)
	s.restarts++
	s.logf("sandbox SIGKILLed and restarted on its ledger")
}

// stats sums the sandbox's counters over its lives; requests in the instant
// between the last read and a kill are not counted.
func (s *stack) stats(ctx context.Context) (sandbox.Stats, error) {
	last, err := s.admin.Stats(ctx)
	for _, st := range s.firstLives {
		last = addStats(last, st)
	}
	return last, err
}

// checkWorkerAlive fails the test when the last worker died on its own.
func (s *stack) checkWorkerAlive() {
	if s.worker.Exited() {
		logs, _ := os.ReadFile(s.workerLog)
		s.t.Fatalf("the last worker died: %s", tail(string(logs), 2000))
	}
}

func (s *stack) logf(format string, args ...any) {
	s.t.Logf("%s: "+format, append([]any{time.Since(s.began).Round(time.Second)}, args...)...)
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
