package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	binMu  sync.Mutex
	binDir string
	built  = map[string]string{}
)

// Binary builds the main package pkg (e.g. "./worker", relative to the module
// root) once per test process and returns the executable's path.
func Binary(t testing.TB, pkg string) string {
	t.Helper()
	SkipIfShort(t, "builds "+pkg)
	binMu.Lock()
	defer binMu.Unlock()
	if path, ok := built[pkg]; ok {
		return path
	}
	if binDir == "" {
		dir, err := os.MkdirTemp("", "kylin-bin-")
		require.NoError(t, err)
		binDir = dir
	}
	path := filepath.Join(binDir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", path, pkg)
	cmd.Dir = ModuleRoot(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build %s: %s", pkg, out)
	built[pkg] = path
	return path
}

// ModuleRoot is the directory holding go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	return filepath.Dir(string(bytes.TrimSpace(out)))
}

// Env is an environment for a child process: a minimal base plus kv pairs.
// The parent's KYLIN_* and TEMPORAL_* variables are left out so that a
// developer's shell cannot change what a test runs against.
func Env(kv ...string) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, kv...)
}
