package pointsnexus

import (
	"github.com/nexus-rpc/sdk-go/nexus"

	"github.com/kylinpoints/kylin-points/workflows"
)

// NewService is the "points" service with all its operations, for
// worker.RegisterNexusService on the worker that runs the workflows (the
// operations start and query them on the worker's own client, namespace and
// task queue).
func NewService() *nexus.Service {
	s := nexus.NewService(ServiceName)
	s.MustRegister(
		freezeOperation(),
		redeemOperation(),
		confirmOperation(),
		cancelOperation(),
		statusOperation(),
		settleOperation(OpRelease, workflows.ReleasePointsWorkflowName),
		settleOperation(OpConsume, workflows.ConsumePointsWorkflowName),
	)
	return s
}
