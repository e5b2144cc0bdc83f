package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"

	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/server/api/matchingservice/v1"
	"go.temporal.io/server/common/authorization"

	"github.com/kylinpoints/kylin-points/pointsnexus"
)

// API names of the frontend's two Nexus dispatch routes
// (go.temporal.io/server service/frontend/configs).
const (
	dispatchByEndpoint              = "/temporal.api.nexusservice.v1.NexusService/DispatchByEndpoint"
	dispatchByNamespaceAndTaskQueue = "/temporal.api.nexusservice.v1.NexusService/DispatchByNamespaceAndTaskQueue"
)

// nexusCallers is a server authorizer that admits the Nexus requests of
// endpoint only from the caller namespaces listed: a start by the caller
// namespace its link to the caller's workflow names, a cancel by the one its
// operation token names (pointsnexus.CallerNamespace, TokenCaller). Requests
// that reach a task queue without an endpoint are refused; every other call
// is let through, as this cluster authenticates nobody.
//
// It is the self-hosted counterpart of Temporal Cloud's allowed caller
// namespaces of an endpoint (docs/security.md). The link and the token are
// the server's own word for requests the history service sends for a
// workflow; a production cluster also authenticates who may call the
// frontend's Nexus HTTP routes (mTLS or a claim mapper), so that nobody else
// writes them.
type nexusCallers struct {
	endpoint string
	allowed  []string
}

// Authorize implements authorization.Authorizer.
func (a nexusCallers) Authorize(_ context.Context, _ *authorization.Claims, target *authorization.CallTarget) (authorization.Result, error) {
	switch {
	case target.APIName == dispatchByNamespaceAndTaskQueue:
		return deny("Nexus requests reach a task queue only through an endpoint"), nil
	case target.APIName != dispatchByEndpoint || target.NexusEndpointName != a.endpoint:
		return authorization.Result{Decision: authorization.DecisionAllow}, nil
	}
	caller, err := nexusCaller(target.Request)
	switch {
	case err != nil:
		return deny(err.Error()), nil
	case !slices.Contains(a.allowed, caller):
		return deny(fmt.Sprintf("caller namespace %q may not call endpoint %q", caller, a.endpoint)), nil
	}
	return authorization.Result{Decision: authorization.DecisionAllow}, nil
}

// nexusCaller is the caller namespace of a dispatched Nexus request.
func nexusCaller(request any) (string, error) {
	req, ok := request.(*matchingservice.DispatchNexusTaskRequest)
	if !ok {
		return "", fmt.Errorf("not a Nexus request: %T", request)
	}
	if cancel := req.GetRequest().GetCancelOperation(); cancel != nil {
		caller, ok := pointsnexus.TokenCaller(cancel.GetOperationToken())
		if !ok {
			return "", fmt.Errorf("the cancel's token names no run of a caller")
		}
		return caller, nil
	}
	var links []nexus.Link
	for _, l := range req.GetRequest().GetStartOperation().GetLinks() {
		u, err := url.Parse(l.GetUrl())
		if err != nil {
			return "", fmt.Errorf("a link is not a URL")
		}
		links = append(links, nexus.Link{URL: u, Type: l.GetType()})
	}
	return pointsnexus.CallerNamespace(links)
}

func deny(reason string) authorization.Result {
	return authorization.Result{Decision: authorization.DecisionDeny, Reason: reason}
}
