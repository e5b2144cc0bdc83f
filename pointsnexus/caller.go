package pointsnexus

import (
	"fmt"
	"strings"

	"github.com/nexus-rpc/sdk-go/nexus"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/temporalnexus"
	"google.golang.org/protobuf/proto"
)

// maxCallerLength bounds the caller's namespace name kept in a workflow ID.
const maxCallerLength = 255

// workflowEventLinkType is the type of the link to the caller's workflow
// that the Temporal server puts on every request it sends for a workflow's
// Nexus operation.
var workflowEventLinkType = string(proto.MessageName((*commonpb.Link_WorkflowEvent)(nil)))

// CallerNamespace is the namespace of the workflow that sent a request,
// read from the request's links. The server (v1.32, and Temporal Cloud) puts
// on every start request it sends for a workflow's Nexus operation a link to
// the event that scheduled it, naming the caller's namespace; the Nexus
// request carries nothing else that names the caller. A request without such
// a link (sent by something other than a workflow through the server), or
// with links that name more than one namespace, is refused: every run the
// service starts or reaches is bound to a caller (docs/security.md).
//
// The link is the server's word only for requests the server sent. Whoever
// can send requests to the frontend's Nexus HTTP route directly can write any
// link: restrict it as docs/security.md says.
//
// A server authorizer may call it on the links of a DispatchNexusTask
// request, to admit chosen caller namespaces only (docs/security.md).
func CallerNamespace(links []nexus.Link) (string, error) {
	caller := ""
	for _, l := range links {
		if l.Type != workflowEventLinkType || l.URL == nil {
			continue
		}
		event, err := temporalnexus.ConvertNexusLinkToLinkWorkflowEvent(l)
		if err != nil {
			return "", unknownCaller("a link to the caller's workflow is malformed")
		}
		ns := event.GetNamespace()
		switch {
		case ns == "":
			return "", unknownCaller("a link to the caller's workflow names no namespace")
		case caller != "" && ns != caller:
			return "", unknownCaller("the links name more than one caller namespace")
		}
		caller = ns
	}
	switch {
	case caller == "":
		return "", unknownCaller("the request has no link to the caller's workflow")
	case len(caller) > maxCallerLength:
		return "", unknownCaller(fmt.Sprintf("the caller's namespace name is longer than %d bytes", maxCallerLength))
	}
	return caller, nil
}

// unknownCaller refuses a request whose caller cannot be told.
func unknownCaller(why string) error {
	return &nexus.HandlerError{
		Type: nexus.HandlerErrorTypeUnauthorized,
		Message: why + ": the points service serves Nexus operations of workflows only, " +
			"each bound to its caller's namespace (docs/security.md)",
	}
}

// TokenCaller is the caller namespace whose run a cancel's operation token
// names, for a token of a run the service started; ok is false otherwise. A
// cancel request names its run by the token alone, so that a server
// authorizer may admit it as it admits the caller's starts.
func TokenCaller(token string) (caller string, ok bool) {
	id, ok := tokenWorkflowID(token)
	if !ok || !startedByService(id) {
		return "", false
	}
	return callerOf(strings.TrimPrefix(id, settlementPrefix))
}
