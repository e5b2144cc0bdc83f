package clusterkit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// Namespace is the cluster's own namespace, registered as an operator does.
const Namespace = "kylin-cluster"

// services of the cluster, in the order they are started.
var services = []string{"frontend", "history", "matching", "worker"}

// Cluster is a Temporal cluster of one process per service, on
// PostgreSQL, each service on fixed ports so that it can be killed and
// started again in its place.
type Cluster struct {
	t       testing.TB
	bin, pg string
	dir     string
	ports   string
	// Frontend is the frontend's gRPC host:port.
	Frontend string
	// grpc is each service's gRPC host:port.
	grpc map[string]string
	// probes counts the workflow starts restart used as probes.
	probes int
	procs  map[string]*testenv.Process
	// serveArgs go to every service: the frontend's HTTP port (Nexus
	// requests travel through it), and the test's own.
	serveArgs []string
}

// Start sets up the schema with Temporal's own tool, starts the four
// services and registers the namespace. serveArgs go to every service, e.g.
// -nexus-callers.
func Start(t testing.TB, pg string, serveArgs ...string) *Cluster {
	t.Helper()
	c := &Cluster{t: t, bin: testenv.Binary(t, "./tests/cluster/internal/temporalservice"), pg: pg,
		dir: t.TempDir(), procs: map[string]*testenv.Process{}}
	_, httpPort := splitHostPort(t, testenv.FreeAddr(t))
	c.serveArgs = append([]string{"-frontend-http-port", httpPort}, serveArgs...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res := testenv.RunCommand(ctx, t, c.bin, testenv.Env(), "schema", "-pg", pg)
	require.Zero(t, res.Code, "schema setup: %s", Tail(res.Stderr, 4000))

	var layout []string
	c.grpc = map[string]string{}
	for _, s := range services {
		c.grpc[s] = testenv.FreeAddr(t)
		_, port := splitHostPort(t, c.grpc[s])
		layout = append(layout, fmt.Sprintf("%s=%s/%d", s, port, membershipPort(t)))
	}
	c.Frontend = c.grpc["frontend"]
	c.ports = strings.Join(layout, ",")
	// One at a time: each service writes the cluster's metadata at its
	// first start, and two first starts at once race on it.
	for _, s := range services {
		c.start(ctx, s)
	}
	c.registerNamespace(ctx)
	return c
}

// start runs a service and waits until its gRPC port accepts connections.
func (c *Cluster) start(ctx context.Context, service string) {
	logPath := filepath.Join(c.dir, service+".log")
	p := testenv.StartProcess(c.t, service, c.bin, logPath, testenv.Env(),
		append([]string{"serve", "-service", service, "-pg", c.pg, "-ports", c.ports}, c.serveArgs...)...)
	c.procs[service] = p
	for {
		conn, err := net.DialTimeout("tcp", c.grpc[service], time.Second)
		if err == nil {
			require.NoError(c.t, conn.Close())
			return
		}
		if p.Exited() {
			logs, _ := os.ReadFile(logPath)
			c.t.Fatalf("the %s service exited at start: %s", service, Tail(string(logs), 3000))
		}
		require.NoError(c.t, testenv.Pause(ctx, 100*time.Millisecond), "the %s service never listened", service)
	}
}

// Restart SIGKILLs a service and starts it again on the same ports, and
// says how long until a workflow could be started again (a probe, on a
// task queue no worker polls, terminated at once).
func (c *Cluster) Restart(ctx context.Context, service string) time.Duration {
	c.procs[service].Kill()
	began := time.Now()
	c.start(ctx, service)
	cl, err := testenv.DialTemporal(ctx, c.Frontend, Namespace)
	require.NoError(c.t, err, "after restarting %s", service)
	defer cl.Close()
	c.probes++
	id := fmt.Sprintf("probe-%s-%d", service, c.probes)
	for {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := cl.ExecuteWorkflow(sctx, client.StartWorkflowOptions{ID: id, TaskQueue: "kylin-cluster-probe"}, "Probe")
		cancel()
		if err == nil || errors.As(err, new(*serviceerror.WorkflowExecutionAlreadyStarted)) {
			break
		}
		require.NoError(c.t, testenv.Pause(ctx, 100*time.Millisecond), "no workflow start after restarting %s: %v", service, err)
	}
	took := time.Since(began)
	require.NoError(c.t, cl.TerminateWorkflow(ctx, id, "", "probe"))
	return took
}

// Kill SIGKILLs a service for good.
func (c *Cluster) Kill(service string) { c.procs[service].Kill() }

// CheckAlive fails the test when a service died on its own.
func (c *Cluster) CheckAlive() {
	for _, s := range services {
		if c.procs[s].Exited() {
			logs, _ := os.ReadFile(filepath.Join(c.dir, s+".log"))
			c.t.Fatalf("the %s service died on its own: %s", s, Tail(string(logs), 3000))
		}
	}
}

// registerNamespace registers the cluster's namespace, once the frontend
// answers, and waits until the services know it.
func (c *Cluster) registerNamespace(ctx context.Context) {
	var cl client.Client
	for {
		var err error
		cl, err = client.DialContext(ctx, client.Options{HostPort: c.Frontend, Namespace: Namespace})
		if err == nil {
			_, err = cl.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
				Namespace:                        Namespace,
				WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
			})
			cl.Close()
		}
		if err == nil || isAlreadyRegistered(err) {
			break
		}
		require.NoError(c.t, testenv.Pause(ctx, 500*time.Millisecond), "registering %s: %v", Namespace, err)
	}
	ready, err := testenv.DialTemporal(ctx, c.Frontend, Namespace)
	require.NoError(c.t, err)
	defer ready.Close()
	for {
		_, err := ready.DescribeTaskQueue(ctx, "kylin-cluster-probe", enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err == nil {
			break
		}
		require.NoError(c.t, testenv.Pause(ctx, 500*time.Millisecond), "namespace %s never usable: %v", Namespace, err)
	}
	// As an operator does once per namespace (docs/production.md): the workers refuse
	// a namespace without the search attributes the workflows upsert.
	require.NoError(c.t, search.Register(ctx, ready.OperatorService(), Namespace))
}

func isAlreadyRegistered(err error) bool {
	return errors.As(err, new(*serviceerror.NamespaceAlreadyExists))
}

// membershipPort is a free loopback port for a service's membership ring.
// It must fit PostgreSQL's smallint column (cluster_membership.rpc_port),
// so it is drawn below the kernel's ephemeral range.
func membershipPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		p := 20000 + rand.IntN(12000)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			require.NoError(t, ln.Close())
			return p
		}
	}
	t.Fatal("no free membership port below 32000")
	return 0
}

func splitHostPort(t testing.TB, addr string) (string, string) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	return host, port
}

// Tail is the last n bytes of s.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
