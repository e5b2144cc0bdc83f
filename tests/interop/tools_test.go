// Package interop holds the contract of kylin-points for callers in other
// languages: docs/contract.md compared with the code, a TypeScript client
// (@temporalio/client, tests/interop/src) that runs the workflows by name,
// and the temporal CLI recipes of docs/integration.md, both against a real in-process
// server with the worker and the CRM sandbox.
package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// inCI reports whether this is CI's run (.ci/run exports CI=true), where
// every tool a test needs is installed and a missing one is a failure.
func inCI() bool { return os.Getenv("CI") == "true" }

// requireTool finds name on PATH. Without it the test fails in CI and is
// skipped elsewhere, saying how to get it.
func requireTool(t *testing.T, name, how string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := name + " not found on PATH (" + err.Error() + "); " + how
	if inCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// requireNodeModules checks that `npm ci` has run in tests/interop.
func requireNodeModules(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("node_modules")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "@temporalio", "client", "package.json")); err == nil {
		return dir
	}
	msg := "tests/interop/node_modules is missing: run `npm ci` in tests/interop (.ci/run does)"
	if inCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
