package search

import (
	"context"
	"fmt"
	"net"
	"strings"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
)

// Creation says whether a worker creates the search attributes its
// namespace lacks (KYLIN_CREATE_SEARCH_ATTRIBUTES). It never does so
// silently: Ensure returns what it created, for the worker to say so.
type Creation int

const (
	// CreateOnLocalDevServer creates them only on a local development
	// server (LocalDevServer); elsewhere the worker stops and says how to
	// add them. The default ("auto").
	CreateOnLocalDevServer Creation = iota
	// CreateAlways creates them through the operator API wherever the
	// namespace lacks them ("true").
	CreateAlways
	// CreateNever never creates them: the worker stops and says how ("false").
	CreateNever
)

// String is the setting's value: auto, true or false.
func (c Creation) String() string {
	switch c {
	case CreateAlways:
		return "true"
	case CreateNever:
		return "false"
	}
	return "auto"
}

// Server is where a worker's namespace lives, as its connection says.
type Server struct {
	// HostPort is the frontend address the client dials.
	HostPort string
	// APIKey says the connection carries an API key (TEMPORAL_API_KEY, or
	// the profile's api_key).
	APIKey bool
}

// cloudSuffixes end the host names of Temporal Cloud's endpoints: a
// namespace's own (…tmprl.cloud) and the regional API-key ones
// (…api.temporal.io).
var cloudSuffixes = []string{".tmprl.cloud", ".api.temporal.io"}

// host is the host part of HostPort, without brackets or a trailing dot.
func (s Server) host() string {
	h, _, err := net.SplitHostPort(s.HostPort)
	if err != nil {
		h = s.HostPort
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
}

// CloudAddress reports whether HostPort is a Temporal Cloud endpoint.
func (s Server) CloudAddress() bool {
	h := s.host()
	for _, suffix := range cloudSuffixes {
		if strings.HasSuffix(h, suffix) {
			return true
		}
	}
	return false
}

// Cloud reports whether the namespace is taken to be on Temporal Cloud: a
// Cloud endpoint, or an API key (self-hosted servers seldom take one).
func (s Server) Cloud() bool { return s.CloudAddress() || s.APIKey }

// Loopback reports whether HostPort names this machine: localhost, an
// address in 127.0.0.0/8, or ::1. Names are not looked up.
func (s Server) Loopback() bool {
	h := s.host()
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// devStore is the persistence store that `temporal server start-dev`,
// `go run ./dev` and Temporal's test servers keep their data in; a cluster
// keeps it in PostgreSQL, MySQL or Cassandra.
const devStore = "sqlite"

// LocalDevServer reports whether s is a local development server, on
// which a worker may create the search attributes by itself: a loopback
// address, no API key, and a server that says (GetClusterInfo) it keeps its
// data in SQLite. All three, so that a cluster reached through a port
// forward, or a shared server, is never taken for one. An unanswered
// question is a no.
func LocalDevServer(ctx context.Context, ws workflowservice.WorkflowServiceClient, s Server) bool {
	if !s.Loopback() || s.APIKey {
		return false
	}
	info, err := ws.GetClusterInfo(ctx, &workflowservice.GetClusterInfoRequest{})
	return err == nil && strings.EqualFold(info.GetPersistenceStore(), devStore)
}

// Services are the parts of a Temporal client Ensure uses; client.Client
// has them.
type Services interface {
	OperatorService() operatorservice.OperatorServiceClient
	WorkflowService() workflowservice.WorkflowServiceClient
}

// Created says which search attributes a worker created, and why: the one
// line it prints.
type Created struct {
	Namespace  string
	Attributes []Attribute
	Server     Server
	// Asked is true when the operator asked for it (CreateAlways), false
	// when the server is a local development server.
	Asked bool
}

func (c Created) String() string {
	why := fmt.Sprintf("as %s is a local development server (a loopback address, data in SQLite; "+
		"KYLIN_CREATE_SEARCH_ATTRIBUTES=false stops the worker instead)", c.Server.HostPort)
	if c.Asked {
		why = "as asked (KYLIN_CREATE_SEARCH_ATTRIBUTES=true)"
	}
	return fmt.Sprintf("namespace %s lacked the search attributes %s: created them through the operator API, %s",
		c.Namespace, names(c.Attributes), why)
}

// Ensure makes sure namespace has the Attributes before a worker polls.
// When it lacks some, Ensure creates them through the operator API if
// create is CreateAlways, or CreateOnLocalDevServer and s is a local
// development server, and returns what it created, for the worker to say
// so; otherwise it returns a *MissingError that says how to add them where
// the namespace lives. It returns nil, nil when nothing is missing.
func Ensure(ctx context.Context, c Services, namespace string, s Server, create Creation) (*Created, error) {
	missing, err := missingIn(ctx, c.OperatorService(), namespace)
	if err != nil || len(missing) == 0 {
		return nil, err
	}
	missingErr := &MissingError{Namespace: namespace, Missing: missing, Server: s}
	asked := create == CreateAlways
	if !asked && (create == CreateNever || !LocalDevServer(ctx, c.WorkflowService(), s)) {
		return nil, missingErr
	}
	if err := add(ctx, c.OperatorService(), namespace, missing); err != nil {
		missingErr.CreateErr = err
		return nil, missingErr
	}
	return &Created{Namespace: namespace, Attributes: missing, Server: s, Asked: asked}, nil
}
