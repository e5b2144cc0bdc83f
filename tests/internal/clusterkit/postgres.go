package clusterkit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// unprivileged is the user PostgreSQL runs as when the test runs as root
// (CI does): initdb and postgres refuse to run as root.
const unprivileged = 65534 // nobody

// postgresBin finds Debian's PostgreSQL server binaries, or "".
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

// StartPostgres initialises a database cluster in a fresh temporary
// directory and serves it on a free loopback port until t ends; it returns
// host:port. The user temporal is its superuser, trusted on loopback. Only
// the Temporal services are killed in the rehearsal, never PostgreSQL, so
// fsync is off: its durability is not what is being rehearsed, and the
// shared CI machine is spared the disk flushes.
func StartPostgres(t testing.TB) string {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL server binaries not found: .ci/run installs Debian's postgresql package")
		}
		t.Skip("PostgreSQL server binaries not found (apt-get install postgresql); CI installs them")
	}
	dir, err := os.MkdirTemp("", "kylin-pg-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	asUser := func(name string) (string, []string) { return filepath.Join(bin, name), nil }
	if os.Geteuid() == 0 {
		require.NoError(t, os.Chown(dir, unprivileged, unprivileged))
		setpriv, err := exec.LookPath("setpriv")
		require.NoError(t, err, "setpriv (util-linux) runs PostgreSQL as an unprivileged user")
		id := strconv.Itoa(unprivileged)
		asUser = func(name string) (string, []string) {
			return setpriv, []string{"--reuid=" + id, "--regid=" + id, "--clear-groups", filepath.Join(bin, name)}
		}
	}
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd, args := asUser("initdb")
	res := testenv.RunCommand(ctx, t, cmd, testenv.Env(), append(args,
		"-D", data, "-U", "temporal", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")...)
	require.Zero(t, res.Code, "initdb: %s%s", res.Stdout, res.Stderr)

	addr := testenv.FreeAddr(t)
	_, port := splitHostPort(t, addr)
	cmd, args = asUser("postgres")
	pg := testenv.StartProcess(t, "postgres", cmd, filepath.Join(dir, "postgres.log"), testenv.Env(), append(args,
		"-D", data, "-k", dir, "-h", "127.0.0.1", "-p", port,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=128MB")...)
	// Cleanups run last-in first-out: this one, before the Kill that
	// StartProcess registered, after every Temporal service is gone.
	t.Cleanup(func() { _, _ = pg.Terminate(30 * time.Second) })
	for {
		cmd, args := asUser("pg_isready")
		res := testenv.RunCommand(ctx, t, cmd, testenv.Env(), append(args, "-h", "127.0.0.1", "-p", port, "-U", "temporal")...)
		if res.Code == 0 {
			return addr
		}
		if pg.Exited() {
			logs, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			t.Fatalf("postgres exited at start: %s", logs)
		}
		require.NoError(t, testenv.Pause(ctx, 200*time.Millisecond), "postgres did not accept connections")
	}
}
