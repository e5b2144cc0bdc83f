package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// TestWorkerOnANamespaceWithoutTheSearchAttributes starts the real worker
// binary on new namespaces that lack the search attributes, on the
// in-process server: a loopback address and SQLite, so a local development
// server. An API key (over plain TCP, which the server ignores) makes the
// same server look like Temporal Cloud to the worker.
//
//   - By default the worker creates them there, says so in one line, and polls.
//   - KYLIN_CREATE_SEARCH_ATTRIBUTES=false: it stops with the four temporal CLI commands.
//   - "Temporal Cloud": it stops with the tcld command and the Cloud UI, creating nothing.
//   - "Temporal Cloud" with --create-search-attributes: asked for, it creates them.
//   - A bad KYLIN_CREATE_SEARCH_ATTRIBUTES is bad usage, exit 2.
func TestWorkerOnANamespaceWithoutTheSearchAttributes(t *testing.T) {
	t.Parallel()
	tp := testenv.SharedTemporal(t)
	worker := testenv.Binary(t, "./worker")
	asCloud := []string{"TEMPORAL_API_KEY=not-a-real-key", "TEMPORAL_TLS=false"}

	t.Run("a local development server: created, said, polling", func(t *testing.T) {
		t.Parallel()
		ns, c := bareNamespace(t, tp)
		startsAndCreates(t, tp, c, worker, ns, nil, "as "+tp.HostPort()+" is a local development server")
	})
	t.Run("asked for where it would not: created", func(t *testing.T) {
		t.Parallel()
		ns, c := bareNamespace(t, tp)
		startsAndCreates(t, tp, c, worker, ns, append(asCloud, "KYLIN_CREATE_SEARCH_ATTRIBUTES=true"), "as asked (KYLIN_CREATE_SEARCH_ATTRIBUTES=true)")
	})
	t.Run("refused when asked to: the temporal CLI commands", func(t *testing.T) {
		t.Parallel()
		ns, _ := bareNamespace(t, tp)
		line := refuses(t, tp, worker, ns, "KYLIN_CREATE_SEARCH_ATTRIBUTES=false")
		for _, a := range search.Attributes {
			require.Contains(t, line, a.CreateCommand(ns))
		}
		require.Contains(t, line, "--create-search-attributes (KYLIN_CREATE_SEARCH_ATTRIBUTES=true)")
		require.Contains(t, line, "KYLIN_SEARCH_ATTRIBUTES=false")
	})
	t.Run("Temporal Cloud: tcld or the Cloud UI, nothing created", func(t *testing.T) {
		t.Parallel()
		ns, _ := bareNamespace(t, tp)
		line := refuses(t, tp, worker, ns, asCloud...)
		require.Contains(t, line, "on Temporal Cloud (an API key is set), add them in the Cloud UI")
		require.Contains(t, line, search.TcldCommand(ns, search.Attributes))
	})
	t.Run("a bad setting is bad usage", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res := testenv.RunCommand(ctx, t, worker, workerEnv(tp, "default", "KYLIN_CREATE_SEARCH_ATTRIBUTES=sometimes"))
		require.Equal(t, 2, res.Code, res.Stderr)
		require.Contains(t, res.Stderr, `worker: KYLIN_CREATE_SEARCH_ATTRIBUTES (--create-search-attributes) "sometimes" must be auto, true or false`)
	})
}

// bareNamespace registers a new namespace, without the search attributes,
// and returns it with a client of it once the server knows it.
func bareNamespace(t *testing.T, tp *testenv.Temporal) (string, client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns := testenv.UniqueName("bare-ns")
	c := testenv.AddNamespace(ctx, t, tp.Client, tp.HostPort(), ns)
	require.Len(t, missingFrom(t, tp, ns), len(search.Attributes))
	return ns, c
}

// missingFrom lists the attributes namespace ns lacks.
func missingFrom(t *testing.T, tp *testenv.Temporal, ns string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := tp.Client.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	require.NoError(t, err)
	var missing []string
	for _, a := range search.Attributes {
		if resp.GetCustomAttributes()[a.Name] != a.Type {
			missing = append(missing, a.Name)
		}
	}
	return missing
}

// workerEnv is the worker's environment on namespace ns, with extra.
func workerEnv(tp *testenv.Temporal, ns string, extra ...string) []string {
	return testenv.Env(append([]string{
		"TEMPORAL_ADDRESS=" + tp.HostPort(), "TEMPORAL_NAMESPACE=" + ns,
		"KYLIN_TASK_QUEUE=" + testenv.UniqueName("sa"), "KYLIN_CRM_BASE_URL=http://127.0.0.1:1",
	}, extra...)...)
}

// refuses runs the worker on ns, which must stop it with exit status 1 and
// one "worker: " line (the rest of stderr is the log) saying that ns lacks
// the attributes; ns must still lack them. It returns the line.
func refuses(t *testing.T, tp *testenv.Temporal, worker, ns string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res := testenv.RunCommand(ctx, t, worker, workerEnv(tp, ns, extra...))
	require.Equal(t, 1, res.Code, res.Stderr)
	lines := workerLines(res.Stderr)
	require.Len(t, lines, 1, "one line: %s", res.Stderr)
	require.Contains(t, lines[0], "namespace "+ns+" lacks the search attributes KylinState (Keyword), KylinPoints (Double), KylinMember (Keyword), KylinHoldUntil (Datetime)")
	require.Len(t, missingFrom(t, tp, ns), len(search.Attributes), "a refusing worker creates nothing")
	return lines[0]
}

// startsAndCreates runs the worker on ns: it must create the attributes,
// say so in one "worker: " line ending with why, poll its task queue, and
// exit 0 on SIGTERM.
func startsAndCreates(t *testing.T, tp *testenv.Temporal, c client.Client, worker, ns string, extra []string, why string) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "worker.log")
	env := workerEnv(tp, ns, extra...)
	p := testenv.StartProcess(t, "worker", worker, logPath, env)
	logs := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	require.Eventually(t, func() bool { return len(missingFrom(t, tp, ns)) == 0 || p.Exited() },
		45*time.Second, 200*time.Millisecond, "the worker creates them; log: %s", logs())
	require.False(t, p.Exited(), "the worker goes on; log: %s", logs())
	var taskQueue string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "KYLIN_TASK_QUEUE="); ok {
			taskQueue = v
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, testenv.WaitPoller(ctx, c, taskQueue), "log: %s", logs())
	code, err := p.Terminate(30 * time.Second)
	require.NoError(t, err)
	require.Equal(t, 0, code, "log: %s", logs())
	lines := workerLines(logs())
	require.Len(t, lines, 1, "one line: %s", logs())
	require.True(t, strings.HasPrefix(lines[0], "worker: namespace "+ns+" lacked the search attributes KylinState (Keyword), "+
		"KylinPoints (Double), KylinMember (Keyword), KylinHoldUntil (Datetime): created them through the operator API, "), lines[0])
	require.Contains(t, lines[0], why)
}

// workerLines are the lines a worker writes for people ("worker: …"), not
// its JSON log.
func workerLines(stderr string) []string {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "worker: ") {
			lines = append(lines, l)
		}
	}
	return lines
}
