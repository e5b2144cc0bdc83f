package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
)

// Process is a child process started by a test: a worker or a sandbox. It
// is killed, if still running, when the test ends.
type Process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
}

// StartProcess runs bin with args and env, its stdout and stderr appended to
// logPath, until Kill or the end of t.
func StartProcess(t testing.TB, name, bin, logPath string, env []string, args ...string) *Process {
	t.Helper()
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	require.NoError(t, err)
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	require.NoError(t, cmd.Start(), "starting %s", name)
	p := &Process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = log.Close()
		close(p.done)
	}()
	t.Cleanup(p.Kill)
	return p
}

// Kill sends SIGKILL and waits for the process to be gone. Safe to repeat.
func (p *Process) Kill() {
	p.once.Do(func() { _ = p.cmd.Process.Kill() })
	<-p.done
}

// Pid is the process's ID, e.g. to read its CPU time and memory in /proc.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// FreeAddr returns a loopback host:port that was free a moment ago, for a
// process that must listen on the same port across restarts.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// StartWorkerProcess runs the worker binary against tp and the CRM at crmURL
// with the demo caller's credentials on taskQueue; extra are more KEY=VALUE
// settings (e.g. KYLIN_CRM_TIMEOUT=2s). Its output goes to logPath.
func StartWorkerProcess(t testing.TB, tp *Temporal, crmURL, taskQueue, logPath string, extra ...string) *Process {
	t.Helper()
	return StartWorkerAt(t, Binary(t, "./worker"), tp.HostPort(), tp.Namespace(), crmURL, taskQueue, logPath, extra...)
}

// StartWorkerAt is StartWorkerProcess for any worker binary bin (the real
// one, or a test's build of it) and any Temporal frontend and namespace.
func StartWorkerAt(t testing.TB, bin, hostPort, namespace, crmURL, taskQueue, logPath string, extra ...string) *Process {
	t.Helper()
	env := Env(append([]string{
		"TEMPORAL_ADDRESS=" + hostPort,
		"TEMPORAL_NAMESPACE=" + namespace,
		"KYLIN_TASK_QUEUE=" + taskQueue,
		"KYLIN_CRM_BASE_URL=" + crmURL,
		"KYLIN_CRM_SERVICE_NAME=" + sandbox.DemoServiceName,
		"KYLIN_CRM_SERVICE_SECRET=" + sandbox.DemoSecret,
		"KYLIN_LOG_LEVEL=warn",
		// Above the production default of 50 calls a second, so that a
		// test's bursts are not paced; extra may set it (the last wins).
		"KYLIN_CRM_MAX_QPS=1000",
	}, extra...)...)
	return StartProcess(t, "worker", bin, logPath, env)
}

// SandboxProcess is the sandbox command run as a process on a fixed address
// and database file, so that it can be killed and started again on both.
type SandboxProcess struct {
	*Process
	// Addr is host:port; URL is its base URL.
	Addr, URL string
	// DB is the ledger file.
	DB string
	// Args are the flags beyond -addr and -db, reused on Restart.
	Args    []string
	logPath string
}

// StartSandboxProcess runs the sandbox command with a ledger file in dir on a
// free loopback port, args being more flags (faults, seed), and waits until
// it answers.
func StartSandboxProcess(t testing.TB, dir string, args ...string) *SandboxProcess {
	t.Helper()
	addr := FreeAddr(t)
	s := &SandboxProcess{Addr: addr, URL: "http://" + addr, DB: filepath.Join(dir, "ledger.db"),
		Args: args, logPath: filepath.Join(dir, "sandbox.log")}
	s.start(t)
	return s
}

// Restart kills the sandbox with SIGKILL and starts it again on the same
// address and file, waiting until it answers.
func (s *SandboxProcess) Restart(t testing.TB) {
	t.Helper()
	s.Kill()
	s.start(t)
}

func (s *SandboxProcess) start(t testing.TB) {
	t.Helper()
	args := append([]string{"-addr", s.Addr, "-db", s.DB}, s.Args...)
	s.Process = StartProcess(t, "sandbox", Binary(t, "./crm/sandbox/cmd/sandbox"), s.logPath, Env(), args...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := Admin{URL: s.URL}
	for {
		if _, err := admin.Faults(ctx); err == nil {
			return
		}
		if s.Exited() {
			logs, _ := os.ReadFile(s.logPath)
			t.Fatalf("sandbox exited at start: %s", logs)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("sandbox at %s did not answer within 30s", s.URL)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Admin returns a client of this sandbox's admin API.
func (s *SandboxProcess) Admin() Admin { return Admin{URL: s.URL} }

// String names the process for messages.
func (p *Process) String() string { return fmt.Sprintf("%s (pid %d)", p.name, p.PID()) }
