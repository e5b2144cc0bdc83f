package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// process is a child process whose output is kept for when it fails.
type process struct {
	cmd     *exec.Cmd
	out     bytes.Buffer
	exited  chan error
	stopped sync.Once
}

// startProcess runs bin with env until stop is called or b ends.
func startProcess(b *testing.B, bin string, env []string) *process {
	b.Helper()
	p := &process{cmd: exec.Command(bin), exited: make(chan error, 1)}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	require.NoError(b, p.cmd.Start())
	go func() { p.exited <- p.cmd.Wait() }()
	b.Cleanup(func() { p.stop(b) })
	return p
}

// stop interrupts the process and waits for it; it kills it after 30s.
// Only the first call does anything.
func (p *process) stop(b *testing.B) {
	b.Helper()
	p.stopped.Do(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-p.exited:
			if err != nil {
				b.Errorf("%s exited with %v; output:\n%s", p.cmd.Path, err, p.out.String())
			}
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
			b.Errorf("%s did not stop within 30s; killed", p.cmd.Path)
		}
	})
}

// memoryMB reads a field of /proc/PID/status given in kB ("VmRSS", "VmHWM")
// and returns it in MB.
func (p *process) memoryMB(field string) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return statusFieldMB(bufio.NewScanner(f), field)
}

// statusFieldMB finds "field:  N kB" among the lines of s.
func statusFieldMB(s *bufio.Scanner, field string) (float64, error) {
	for s.Scan() {
		name, value, ok := strings.Cut(s.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", field, err)
		}
		return kb / 1024, nil
	}
	if err := s.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in process status", field)
}
