package devstack

import (
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/workflows"
)

// Client is the stack's Temporal client, on the default namespace.
func (s *Stack) Client() client.Client { return s.client }

// TemporalAddr is the host:port of the Temporal frontend.
func (s *Stack) TemporalAddr() string { return s.temporalAddr }

// UIURL is the Web UI's base URL, e.g. http://127.0.0.1:8233.
func (s *Stack) UIURL() string { return "http://" + s.uiAddr }

// SandboxURL is the CRM sandbox's base URL, e.g. http://127.0.0.1:8088.
func (s *Stack) SandboxURL() string { return "http://" + s.sandboxAddr }

// Sandbox is the CRM sandbox (e.g. to inject faults), or nil when left out.
func (s *Stack) Sandbox() *sandbox.Server {
	if s.sandbox == nil {
		return nil
	}
	return s.sandbox.Server
}

// RunURL is the Web UI page of one workflow run.
func (s *Stack) RunURL(workflowID, runID string) string {
	return workflows.RunURL(s.UIURL(), Namespace, workflowID, runID)
}
