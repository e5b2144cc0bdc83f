package search

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
)

// fakeServer is a namespace's search attributes and a server's cluster info,
// behind the two services Ensure uses; any other call panics (nil embedded).
type fakeServer struct {
	operatorservice.OperatorServiceClient
	workflowservice.WorkflowServiceClient
	has      map[string]enumspb.IndexedValueType
	store    string
	infoErr  error
	addErr   error
	added    map[string]enumspb.IndexedValueType
	askedFor int // GetClusterInfo calls
}

func (f *fakeServer) OperatorService() operatorservice.OperatorServiceClient { return f }
func (f *fakeServer) WorkflowService() workflowservice.WorkflowServiceClient { return f }

func (f *fakeServer) ListSearchAttributes(context.Context, *operatorservice.ListSearchAttributesRequest, ...grpc.CallOption) (*operatorservice.ListSearchAttributesResponse, error) {
	return &operatorservice.ListSearchAttributesResponse{CustomAttributes: f.has}, nil
}

func (f *fakeServer) AddSearchAttributes(_ context.Context, req *operatorservice.AddSearchAttributesRequest, _ ...grpc.CallOption) (*operatorservice.AddSearchAttributesResponse, error) {
	if f.addErr != nil {
		return nil, f.addErr
	}
	f.added = req.GetSearchAttributes()
	return &operatorservice.AddSearchAttributesResponse{}, nil
}

func (f *fakeServer) GetClusterInfo(context.Context, *workflowservice.GetClusterInfoRequest, ...grpc.CallOption) (*workflowservice.GetClusterInfoResponse, error) {
	f.askedFor++
	if f.infoErr != nil {
		return nil, f.infoErr
	}
	return &workflowservice.GetClusterInfoResponse{PersistenceStore: f.store}, nil
}

func TestServerKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s               Server
		loopback, cloud bool
	}{
		{Server{HostPort: "127.0.0.1:7233"}, true, false},
		{Server{HostPort: "localhost:7233"}, true, false},
		{Server{HostPort: "LOCALHOST."}, true, false},
		{Server{HostPort: "[::1]:7233"}, true, false},
		{Server{HostPort: "127.8.0.2:7233"}, true, false},
		{Server{HostPort: "10.0.0.5:7233"}, false, false},
		{Server{HostPort: "temporal.internal.example.com:7233"}, false, false},
		{Server{HostPort: "localhost.example.com:7233"}, false, false},
		{Server{HostPort: "my-ns.a1b2c.tmprl.cloud:7233"}, false, true},
		{Server{HostPort: "us-east-1.aws.api.temporal.io:7233"}, false, true},
		{Server{HostPort: "127.0.0.1:7233", APIKey: true}, true, true},
	} {
		require.Equal(t, tc.loopback, tc.s.Loopback(), "%+v", tc.s)
		require.Equal(t, tc.cloud, tc.s.Cloud(), "%+v", tc.s)
	}
}

func TestEnsure(t *testing.T) {
	t.Parallel()
	local := Server{HostPort: "127.0.0.1:7233"}
	all := map[string]enumspb.IndexedValueType{}
	for _, a := range Attributes {
		all[a.Name] = a.Type
	}
	for _, tc := range []struct {
		name   string
		server Server
		create Creation
		f      fakeServer
		// created says Ensure created the missing attributes; else problem
		// is in its error ("" when nothing was missing).
		created bool
		asked   bool
		problem []string
		absent  []string
	}{
		{name: "nothing missing", server: local, f: fakeServer{has: all, store: "sqlite"}},
		{name: "a local development server: created", server: local, f: fakeServer{store: "sqlite"}, created: true},
		{name: "localhost, SQLite in capitals", server: Server{HostPort: "localhost:7233"}, f: fakeServer{store: "SQLite"}, created: true},
		{name: "asked for: created anywhere", server: Server{HostPort: "temporal.example.com:7233"}, create: CreateAlways,
			f: fakeServer{store: "postgres12"}, created: true, asked: true},
		{name: "asked for on Temporal Cloud: created", server: Server{HostPort: "ns.acct.tmprl.cloud:7233"}, create: CreateAlways,
			f: fakeServer{}, created: true, asked: true},
		{name: "a local development server, but refused", server: local, create: CreateNever, f: fakeServer{store: "sqlite"},
			problem: []string{"temporal operator search-attribute create --namespace ns --name KylinState --type Keyword", "KYLIN_SEARCH_ATTRIBUTES=false"}},
		{name: "loopback, but a cluster's store (a port forward)", server: local, f: fakeServer{store: "postgres12"},
			problem: []string{"temporal operator search-attribute create", "--create-search-attributes (KYLIN_CREATE_SEARCH_ATTRIBUTES=true)"}, absent: []string{"tcld"}},
		{name: "loopback, the server does not say", server: local, f: fakeServer{infoErr: errors.New("unavailable")},
			problem: []string{"temporal operator search-attribute create"}},
		{name: "SQLite, but not on this machine", server: Server{HostPort: "10.1.2.3:7233"}, f: fakeServer{store: "sqlite"},
			problem: []string{"temporal operator search-attribute create"}},
		{name: "Temporal Cloud: tcld or the Cloud UI", server: Server{HostPort: "ns.acct.tmprl.cloud:7233", APIKey: true}, f: fakeServer{},
			problem: []string{"on Temporal Cloud, add them in the Cloud UI",
				"tcld namespace search-attributes add --namespace ns --search-attribute KylinState=Keyword --search-attribute KylinPoints=Double " +
					"--search-attribute KylinMember=Keyword --search-attribute KylinHoldUntil=Datetime", "KYLIN_SEARCH_ATTRIBUTES=false"},
			absent: []string{"temporal operator", "--create-search-attributes"}},
		{name: "an API key on loopback: Cloud's way first, never created", server: Server{HostPort: "127.0.0.1:7233", APIKey: true}, f: fakeServer{store: "sqlite"},
			problem: []string{"on Temporal Cloud (an API key is set)", "tcld namespace search-attributes add", "on a self-hosted cluster, create them with temporal operator"}},
		{name: "asked for, and the server refuses", server: local, create: CreateAlways, f: fakeServer{addErr: errors.New("permission denied")},
			problem: []string{"creating them through the operator API failed", "permission denied", "temporal operator search-attribute create"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.f
			created, err := Ensure(context.Background(), &f, "ns", tc.server, tc.create)
			switch {
			case tc.created:
				require.NoError(t, err)
				require.NotNil(t, created)
				require.Equal(t, all, f.added, "every missing attribute, with its type")
				require.Equal(t, tc.asked, created.Asked)
				line := created.String()
				require.NotContains(t, line, "\n")
				require.Contains(t, line, "namespace ns lacked the search attributes KylinState (Keyword), KylinPoints (Double)")
				require.Contains(t, line, "created them through the operator API")
			case tc.problem == nil:
				require.NoError(t, err)
				require.Nil(t, created)
				require.Nil(t, f.added)
			default:
				require.Nil(t, created)
				var missing *MissingError
				require.ErrorAs(t, err, &missing)
				require.Len(t, missing.Missing, len(Attributes))
				if tc.f.addErr == nil {
					require.Nil(t, f.added, "never created unless allowed")
				}
				msg := err.Error()
				require.NotContains(t, msg, "\n")
				for _, p := range tc.problem {
					require.Contains(t, msg, p)
				}
				for _, a := range tc.absent {
					require.NotContains(t, msg, a)
				}
			}
			if tc.server.APIKey {
				require.Zero(t, f.askedFor, "with an API key the server is never taken for a local one")
			}
		})
	}
}

// Only the attributes a namespace lacks, or has with another type, are created.
func TestEnsureCreatesOnlyWhatIsMissing(t *testing.T) {
	t.Parallel()
	f := fakeServer{store: "sqlite", has: map[string]enumspb.IndexedValueType{
		"KylinState":  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"KylinPoints": enumspb.INDEXED_VALUE_TYPE_INT,
	}}
	created, err := Ensure(context.Background(), &f, "ns", Server{HostPort: "127.0.0.1:7233"}, CreateOnLocalDevServer)
	require.NoError(t, err)
	require.Equal(t, map[string]enumspb.IndexedValueType{
		"KylinPoints":    enumspb.INDEXED_VALUE_TYPE_DOUBLE,
		"KylinMember":    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"KylinHoldUntil": enumspb.INDEXED_VALUE_TYPE_DATETIME,
	}, f.added)
	require.True(t, strings.HasPrefix(created.String(), "namespace ns lacked the search attributes KylinPoints (Double), KylinMember (Keyword), KylinHoldUntil (Datetime): "))
	require.Contains(t, created.String(), "as 127.0.0.1:7233 is a local development server")
}
