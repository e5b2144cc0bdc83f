package main

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	"go.temporal.io/server/temporal"

	"github.com/kylinpoints/kylin-points/pointsnexus"
)

const (
	host        = "127.0.0.1"
	clusterName = "active"
)

// services are the four a cluster needs, in the order they are started.
var services = []string{"frontend", "history", "matching", "worker"}

// ports is one service's gRPC and membership (ringpop) ports.
type ports struct{ grpc, membership int }

// parsePorts reads frontend=7233/6933,history=7234/6934,… naming every service.
func parsePorts(s string) (map[string]ports, error) {
	out := map[string]ports{}
	for _, part := range strings.Split(s, ",") {
		name, pair, ok := strings.Cut(part, "=")
		g, m, ok2 := strings.Cut(pair, "/")
		grpc, err1 := strconv.Atoi(g)
		membership, err2 := strconv.Atoi(m)
		if !ok || !ok2 || err1 != nil || err2 != nil || !slices.Contains(services, name) {
			return nil, fmt.Errorf("-ports: %q is not service=grpcPort/membershipPort", part)
		}
		out[name] = ports{grpc, membership}
	}
	for _, name := range services {
		if _, ok := out[name]; !ok {
			return nil, fmt.Errorf("-ports: no ports for %s", name)
		}
	}
	return out, nil
}

// serveOptions are how one process of the cluster runs.
type serveOptions struct {
	// shards is the number of history shards, the same in every process.
	shards   int
	logLevel string
	// httpPort is the frontend's HTTP port; 0: none.
	httpPort int
	// nexusCallers, when set, are the caller namespaces whose Nexus
	// requests the kylin-points endpoint admits.
	nexusCallers []string
	// fifoQueues match first in first out; fairQueues by priority and
	// fairness key; singleQueues by priority in one partition; others by
	// priority over the default partitions.
	fifoQueues, fairQueues, singleQueues []string
}

// serve runs one service of the cluster until stop closes.
func serve(service string, db database, layout map[string]ports, opts serveOptions, stop <-chan any) error {
	if !slices.Contains(services, service) {
		return fmt.Errorf("-service %q: one of %s", service, strings.Join(services, ", "))
	}
	conf := clusterConfig(db, layout, opts)
	logger := log.NewZapLogger(log.BuildZapLogger(log.Config{Level: opts.logLevel}))
	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return err
	}
	if opts.nexusCallers != nil {
		authorizer = nexusCallers{endpoint: pointsnexus.EndpointName, allowed: opts.nexusCallers}
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, logger)
	if err != nil {
		return err
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices([]string{service}),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dynamicConfig(opts)),
		temporal.InterruptOn(stop),
	)
	if err != nil {
		return fmt.Errorf("building the %s service: %w", service, err)
	}
	// With InterruptOn, Start blocks until stop closes, then stops the service.
	return srv.Start()
}

// dynamicConfig is what the rehearsal changes from the server's defaults.
func dynamicConfig(opts serveOptions) dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{
		// confirm and cancel are Updates; on by default, stated because we need it.
		dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key(): true,
		// A Nexus endpoint created by a test is routed at once.
		dynamicconfig.ForceNexusEndpointRefreshOnRead.Key(): true,
	}
	perQueue := func(key dynamicconfig.Key, value any, queues []string) {
		var values []dynamicconfig.ConstrainedValue
		for _, q := range queues {
			values = append(values, dynamicconfig.ConstrainedValue{Constraints: dynamicconfig.Constraints{TaskQueueName: q}, Value: value})
		}
		if values != nil {
			dc[key] = values
		}
	}
	perQueue(dynamicconfig.MatchingUseNewMatcher.Key(), false, opts.fifoQueues)
	perQueue(dynamicconfig.MatchingEnableFairness.Key(), true, opts.fairQueues)
	perQueue(dynamicconfig.MatchingNumTaskqueueReadPartitions.Key(), 1, opts.singleQueues)
	perQueue(dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(), 1, opts.singleQueues)
	return dc
}

// clusterConfig is the static configuration every process of the cluster
// shares: the same databases, shards and service addresses.
func clusterConfig(db database, layout map[string]ports, opts serveOptions) *config.Config {
	frontend := net.JoinHostPort(host, strconv.Itoa(layout["frontend"].grpc))
	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = host
	conf.Persistence.DefaultStore = "postgres-default"
	conf.Persistence.VisibilityStore = "postgres-visibility"
	conf.Persistence.NumHistoryShards = int32(opts.shards)
	conf.Persistence.DataStores = map[string]config.DataStore{
		"postgres-default":    {SQL: sqlStore(db, "temporal", 20)},
		"postgres-visibility": {SQL: sqlStore(db, "temporal_visibility", 4)},
	}
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Services = map[string]config.Service{}
	for name, p := range layout {
		conf.Services[name] = config.Service{RPC: config.RPC{GRPCPort: p.grpc, MembershipPort: p.membership, BindOnIP: host}}
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = frontend
	if opts.httpPort != 0 {
		fe := conf.Services["frontend"]
		fe.RPC.HTTPPort = opts.httpPort
		conf.Services["frontend"] = fe
		conf.PublicClient.HTTPHostPort = net.JoinHostPort(host, strconv.Itoa(opts.httpPort))
	}
	return &conf
}

func sqlStore(db database, name string, conns int) *config.SQL {
	return &config.SQL{
		PluginName:      postgresql.PluginName,
		DatabaseName:    name,
		ConnectAddr:     db.addr,
		ConnectProtocol: "tcp",
		User:            db.user,
		MaxConns:        conns,
		MaxIdleConns:    conns,
		MaxConnLifetime: time.Hour,
	}
}
