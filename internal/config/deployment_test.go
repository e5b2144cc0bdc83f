package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadDeployment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     []string
		args    []string
		want    Deployment
		problem string // the one expected problem line, "" for none
	}{
		{name: "unset is unversioned"},
		{name: "both variables", env: []string{"KYLIN_WORKER_DEPLOYMENT_NAME", "kylin-points", "KYLIN_WORKER_BUILD_ID", "v1.4.0"},
			want: Deployment{Name: "kylin-points", BuildID: "v1.4.0"}},
		{name: "flags win over variables", env: []string{"KYLIN_WORKER_DEPLOYMENT_NAME", "old", "KYLIN_WORKER_BUILD_ID", "1"},
			args: []string{"--deployment-name", "kylin-points", "--build-id", "2f24694"},
			want: Deployment{Name: "kylin-points", BuildID: "2f24694"}},
		{name: "a build ID may hold dots", env: []string{"KYLIN_WORKER_DEPLOYMENT_NAME", "kylin-points", "KYLIN_WORKER_BUILD_ID", "1.4.0"},
			want: Deployment{Name: "kylin-points", BuildID: "1.4.0"}},
		{name: "name without build ID", env: []string{"KYLIN_WORKER_DEPLOYMENT_NAME", "kylin-points"},
			problem: "KYLIN_WORKER_BUILD_ID (--build-id) is required when KYLIN_WORKER_DEPLOYMENT_NAME (--deployment-name) is set"},
		{name: "build ID without name", args: []string{"--build-id", "v2"},
			problem: "KYLIN_WORKER_DEPLOYMENT_NAME (--deployment-name) is required when KYLIN_WORKER_BUILD_ID (--build-id) is set"},
		{name: "a dot in the name", env: []string{"KYLIN_WORKER_DEPLOYMENT_NAME", "kylin.points", "KYLIN_WORKER_BUILD_ID", "v2"},
			problem: `KYLIN_WORKER_DEPLOYMENT_NAME (--deployment-name) must not contain any of ".:", got "kylin.points"`},
		{name: "a reserved build ID", env: []string{"KYLIN_WORKER_DEPLOYMENT_NAME", "kylin-points", "KYLIN_WORKER_BUILD_ID", "__unversioned__"},
			problem: `KYLIN_WORKER_BUILD_ID (--build-id) must not start with __ (reserved by Temporal), got "__unversioned__"`},
		{name: "a newline in the build ID", args: []string{"--deployment-name", "kylin-points", "--build-id", "v2\nrm"},
			problem: `KYLIN_WORKER_BUILD_ID (--build-id) must not contain spaces or control characters, got "v2\nrm"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(tc.args, mapEnv(with(minimal(), tc.env...)))
			if tc.problem == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, cfg.Deployment)
				require.Equal(t, tc.want.Name != "", cfg.Deployment.Versioned())
				return
			}
			require.Equal(t, Problems{tc.problem}, err)
		})
	}
}
