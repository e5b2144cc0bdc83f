package versioning

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// waitVersion waits until a worker of buildID has polled, so that the
// deployment knows the version.
func waitVersion(ctx context.Context, d client.WorkerDeploymentHandle, buildID string) error {
	for {
		_, err := d.DescribeVersion(ctx, client.WorkerDeploymentDescribeVersionOptions{BuildID: buildID})
		if err == nil {
			return nil
		}
		if err := testenv.Pause(ctx, 200*time.Millisecond); err != nil {
			return fmt.Errorf("version %s never registered (last error %v): %w", buildID, err, ctx.Err())
		}
	}
}

// setCurrent makes buildID the deployment's current version, as
// `temporal worker deployment set-current-version` does, retrying while the
// server still waits for the version's pollers on every task queue; then it
// waits until the server has propagated the new routing to every task queue
// partition, before which a new run may still start on the former version.
func setCurrent(ctx context.Context, c client.Client, namespace string, d client.WorkerDeploymentHandle, buildID string) error {
	for {
		_, err := d.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{BuildID: buildID})
		if err == nil {
			break
		}
		if err := testenv.Pause(ctx, 200*time.Millisecond); err != nil {
			return fmt.Errorf("set-current-version %s (last error %v): %w", buildID, err, ctx.Err())
		}
	}
	for {
		resp, err := c.WorkflowService().DescribeWorkerDeployment(ctx, &workflowservice.DescribeWorkerDeploymentRequest{
			Namespace: namespace, DeploymentName: deploymentName,
		})
		if err == nil && resp.GetWorkerDeploymentInfo().GetRoutingConfigUpdateState() == enumspb.ROUTING_CONFIG_UPDATE_STATE_COMPLETED {
			return nil
		}
		if err := testenv.Pause(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("the routing to %s never propagated (last error %v): %w", buildID, err, ctx.Err())
		}
	}
}

// waitDrained waits until the server reports that no open pinned run needs
// buildID any more, the signal that its workers may be shut down.
func waitDrained(ctx context.Context, d client.WorkerDeploymentHandle, buildID string) (time.Duration, error) {
	began := time.Now()
	for {
		v, err := d.DescribeVersion(ctx, client.WorkerDeploymentDescribeVersionOptions{BuildID: buildID})
		if err == nil && v.Info.DrainageInfo != nil &&
			v.Info.DrainageInfo.DrainageStatus == client.WorkerDeploymentVersionDrainageStatusDrained {
			return time.Since(began), nil
		}
		if err := testenv.Pause(ctx, 500*time.Millisecond); err != nil {
			return 0, fmt.Errorf("version %s never drained (last answer %+v, %v): %w", buildID, v.Info.DrainageInfo, err, ctx.Err())
		}
	}
}

// ranOn is the build a run is pinned to, and whether it is pinned at all.
func ranOn(ctx context.Context, c client.Client, id string) (buildID string, pinned bool, err error) {
	d, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return "", false, err
	}
	info := d.GetWorkflowExecutionInfo().GetVersioningInfo()
	return info.GetDeploymentVersion().GetBuildId(), info.GetBehavior() == enumspb.VERSIONING_BEHAVIOR_PINNED, nil
}
