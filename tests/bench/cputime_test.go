package bench

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) this process has used so far.
// The saga runs server, worker, sandbox and driver in this process, so the
// CPU a run uses is the cost of its work, whatever else the machine runs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
