package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/chaoskit"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// taskQueue is the chaos run's own task queue.
const taskQueue = "kylin-chaos"

// stack is what a chaos run kills and restarts: the Temporal server (on
// its SQLite files), the worker binary and the sandbox command (on its
// ledger file), each a process.
type stack struct {
	t         *testing.T
	began     time.Time
	temporal  *testenv.TemporalProcess
	client    client.Client
	sb        *testenv.SandboxProcess
	admin     testenv.Admin
	worker    *testenv.Process
	workerLog string
	// kills and restarts count what was done to the processes; firstLives
	// are the sandbox's counters read just before each of its restarts.
	kills, restarts, temporalRestarts int
	firstLives                        []sandbox.Stats
}

func startStack(t *testing.T, began time.Time) *stack {
	dir := t.TempDir()
	s := &stack{t: t, began: began, workerLog: filepath.Join(dir, "worker.log")}
	s.temporal = testenv.StartTemporalProcess(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := testenv.DialTemporal(ctx, s.temporal.Addr, testenv.TemporalNamespace)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	s.client = c
	s.sb = testenv.StartSandboxProcess(t, dir, chaoskit.SandboxFaultFlags...)
	s.admin = s.sb.Admin()
	s.worker = s.startWorker()
	return s
}

func (s *stack) startWorker() *testenv.Process {
	return testenv.StartWorkerAt(s.t, testenv.Binary(s.t, "./worker"), s.temporal.Addr, testenv.TemporalNamespace,
		s.sb.URL, taskQueue, s.workerLog, "KYLIN_CRM_TIMEOUT="+chaoskit.CRMTimeout)
}

// restartTemporal SIGKILLs the Temporal server and starts it again on its
// SQLite files and port; the worker and the drivers reconnect by themselves.
func (s *stack) restartTemporal() {
	began := time.Now()
	s.temporal.Restart(s.t)
	s.temporalRestarts++
	s.logf("Temporal server SIGKILLed and restarted on its SQLite files, answering again after %s", time.Since(began).Round(100*time.Millisecond))
}

// disruptions is the report's account of what was done to the processes.
func (s *stack) disruptions() string {
	return fmt.Sprintf("worker SIGKILLed %d times, sandbox restarted %d times, Temporal server SIGKILLed and restarted %d times",
		s.kills, s.restarts, s.temporalRestarts)
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
		last = chaoskit.AddStats(last, st)
	}
	return last, err
}

// checkAlive fails the test when the last worker or server died on its own.
func (s *stack) checkAlive() {
	if s.worker.Exited() {
		logs, _ := os.ReadFile(s.workerLog)
		s.t.Fatalf("the last worker died: %s", tail(string(logs), 2000))
	}
	if s.temporal.Exited() {
		s.t.Fatal("the Temporal server died on its own")
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
