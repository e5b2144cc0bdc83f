package bench

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestMain runs the benchmarks, then prints the summary of what they
// reported (nothing when no benchmark ran) and the machine they ran on.
func TestMain(m *testing.M) {
	loadBefore := loadAverage()
	code := m.Run()
	if !figures.empty() {
		fmt.Println()
		figures.writeTable(os.Stdout)
		fmt.Println()
		writeTargets(os.Stdout, figures)
		fmt.Printf("\nmachine: %s/%s, %d CPUs, GOMAXPROCS %d, %s; load average before %s, after %s\n",
			runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), loadBefore, loadAverage())
	}
	os.Exit(code)
}

// loadAverage is the 1, 5 and 15 minute load average, or "?" off Linux.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
