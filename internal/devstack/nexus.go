package devstack

import (
	"context"

	"github.com/kylinpoints/kylin-points/internal/nexusendpoint"
	"github.com/kylinpoints/kylin-points/pointsnexus"
)

// NexusEndpoint is the endpoint the stack creates on its server, through
// which workflows of other namespaces reach the "points" service of the
// stack's worker.
const NexusEndpoint = pointsnexus.EndpointName

// createNexusEndpoint makes NexusEndpoint route to the worker's namespace
// and task queue; kept from an earlier start, it is left as it is.
func (s *Stack) createNexusEndpoint(ctx context.Context) error {
	s.progress("creating Nexus endpoint %s (service %s, task queue %s) …", NexusEndpoint, pointsnexus.ServiceName, TaskQueue)
	return nexusendpoint.Ensure(ctx, s.client.OperatorService(), NexusEndpoint,
		nexusendpoint.Target{Namespace: Namespace, TaskQueue: TaskQueue})
}
