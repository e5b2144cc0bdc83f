package devstack

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"time"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

// retention is how long the default namespace keeps closed runs, so that the
// Web UI still shows last week's redemptions.
const retention = 7 * 24 * time.Hour

const clusterName = "active"

// dynamicConfig holds the server settings the dev stack relies on, after
// the Temporal CLI's dev server.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// confirm and cancel are Updates; on by default, stated because we need it.
		dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key(): true,
		// New search attributes are visible at once instead of eventually.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
		// Without that cache the server reads more: raise its limits to match.
		dynamicconfig.FrontendPersistenceMaxQPS.Key(): 10000,
		dynamicconfig.HistoryPersistenceMaxQPS.Key():  45000,
		// The Web UI lists and counts runs often.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// A Nexus endpoint created on the stack is routed at once.
		dynamicconfig.ForceNexusEndpointRefreshOnRead.Key(): true,
	}
}

// newTemporalServer builds a single-process Temporal server whose frontend
// listens on frontendAddr and whose state is the SQLite file dbPath, or
// memory when dbPath is "". The default namespace exists (created if absent)
// before the server starts.
func newTemporalServer(frontendAddr, dbPath string, logger log.Logger) (temporal.Server, error) {
	host, port := splitAddr(frontendAddr)
	sqlConf, err := prepareSQLite(dbPath)
	if err != nil {
		return nil, err
	}
	conf, err := serverConfig(host, port, sqlConf)
	if err != nil {
		return nil, err
	}
	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("temporal authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("temporal claim mapper: %w", err)
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(staticHosts(host, conf)),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("building the Temporal server: %w", err)
	}
	return srv, nil
}

// prepareSQLite returns the persistence settings, creating the schema of a
// new database file and the default namespace when it is missing.
func prepareSQLite(dbPath string) (*config.SQL, error) {
	conf := &config.SQL{PluginName: sqliteplugin.PluginName}
	if dbPath == "" {
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		// Unique per server, so that two stacks in one process stay apart.
		conf.DatabaseName = "kylin-dev-" + strconv.FormatUint(rand.Uint64(), 36)
	} else {
		conf.ConnectAttributes = map[string]string{"mode": "rwc"}
		conf.DatabaseName = dbPath
		if _, err := os.Stat(dbPath); os.IsNotExist(err) {
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return nil, fmt.Errorf("creating the Temporal schema in %s: %w", dbPath, err)
			}
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, Namespace, false, nil)
	if err != nil {
		return nil, fmt.Errorf("namespace %s: %w", Namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(retention)
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("registering namespace %s: %w", Namespace, err)
	}
	return conf, nil
}

// serverConfig is the static configuration: one history shard, SQLite for
// both stores, the frontend on host:port and the other services on free
// ports of the same host.
func serverConfig(host string, port int, sqlConf *config.SQL) (*config.Config, error) {
	frontend := net.JoinHostPort(host, strconv.Itoa(port))
	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = host
	conf.Persistence.DefaultStore = "sqlite-default"
	conf.Persistence.VisibilityStore = "sqlite-default"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite-default": {SQL: sqlConf}}
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	// The frontend's HTTP API carries Nexus requests: the history service
	// sends each operation of a caller's workflow to it, to be matched to
	// the handler's worker.
	httpPort, err := freePort(host)
	if err != nil {
		return nil, err
	}
	conf.Services = map[string]config.Service{
		string(primitives.FrontendService): {RPC: config.RPC{GRPCPort: port, HTTPPort: httpPort, BindOnIP: host}},
	}
	for _, name := range []primitives.ServiceName{primitives.HistoryService, primitives.MatchingService, primitives.WorkerService} {
		p, err := freePort(host)
		if err != nil {
			return nil, err
		}
		conf.Services[string(name)] = config.Service{RPC: config.RPC{GRPCPort: p, BindOnIP: host}}
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = frontend
	conf.PublicClient.HTTPHostPort = net.JoinHostPort(host, strconv.Itoa(httpPort))
	return &conf, nil
}

// staticHosts tells every service where the others are, so that no
// membership ring (and no extra port) is needed.
func staticHosts(host string, conf *config.Config) map[primitives.ServiceName]static.Hosts {
	hosts := map[primitives.ServiceName]static.Hosts{}
	for _, name := range []primitives.ServiceName{
		primitives.FrontendService, primitives.HistoryService, primitives.MatchingService, primitives.WorkerService,
	} {
		port := conf.Services[string(name)].RPC.GRPCPort
		hosts[name] = static.SingleLocalHost(net.JoinHostPort(host, strconv.Itoa(port)))
	}
	return hosts
}
