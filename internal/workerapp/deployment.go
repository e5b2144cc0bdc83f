package workerapp

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/internal/config"
)

// deploymentOptions are the Worker Versioning options of d. An unversioned
// d (the default) gives the zero options: the worker polls as it always did.
//
// A versioned worker belongs to deployment d.Name as build d.BuildID, and
// every workflow it registers is pinned: a run stays on the build that
// started it, however long it waits FROZEN, so that a new build with changed
// workflow code never replays an old run. New runs go to the deployment's
// current version (temporal worker deployment set-current-version).
func deploymentOptions(d config.Deployment) worker.DeploymentOptions {
	if !d.Versioned() {
		return worker.DeploymentOptions{}
	}
	return worker.DeploymentOptions{
		UseVersioning:             true,
		Version:                   worker.WorkerDeploymentVersion{DeploymentName: d.Name, BuildID: d.BuildID},
		DefaultVersioningBehavior: workflow.VersioningBehaviorPinned,
	}
}
