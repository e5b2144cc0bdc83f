package workerapp

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/internal/config"
)

func TestDeploymentOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   config.Deployment
		want worker.DeploymentOptions
	}{
		{"unversioned by default", config.Deployment{}, worker.DeploymentOptions{}},
		{"versioned and pinned", config.Deployment{Name: "kylin-points", BuildID: "v2"}, worker.DeploymentOptions{
			UseVersioning:             true,
			Version:                   worker.WorkerDeploymentVersion{DeploymentName: "kylin-points", BuildID: "v2"},
			DefaultVersioningBehavior: workflow.VersioningBehaviorPinned,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, deploymentOptions(tc.in))
		})
	}
}
