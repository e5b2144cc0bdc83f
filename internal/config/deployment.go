package config

import (
	"strings"
	"unicode"
)

// Worker Versioning (Temporal worker deployments): both set, or neither.
var (
	WorkerDeploymentName = Setting{Env: "KYLIN_WORKER_DEPLOYMENT_NAME", Flag: "deployment-name", Arg: "NAME",
		Help: "Worker Versioning: the worker deployment this worker belongs to; runs stay on the build that started them (pinned); set together with --build-id; unset = unversioned"}
	WorkerBuildID = Setting{Env: "KYLIN_WORKER_BUILD_ID", Flag: "build-id", Arg: "ID",
		Help: "Worker Versioning: this build's ID within the deployment, e.g. the release or git commit; set together with --deployment-name"}
)

// Deployment is the worker's place in a Temporal worker deployment. Its zero
// value is an unversioned worker.
type Deployment struct {
	// Name is the deployment, e.g. kylin-points.
	Name string
	// BuildID names this build of the worker, e.g. v1.4.0 or a git commit.
	BuildID string
}

// Versioned reports whether the worker takes part in Worker Versioning.
func (d Deployment) Versioned() bool { return d.Name != "" }

// deployment reads the two deployment settings: both or neither, each a
// value the Temporal server accepts.
func (b *binder) deployment(p *Problems) Deployment {
	d := Deployment{Name: b.value(WorkerDeploymentName), BuildID: b.value(WorkerBuildID)}
	switch {
	case d.Name == "" && d.BuildID == "":
		return d
	case d.Name == "":
		p.add(WorkerDeploymentName, "is required when %s is set", WorkerBuildID.Name())
	case d.BuildID == "":
		p.add(WorkerBuildID, "is required when %s is set", WorkerDeploymentName.Name())
	}
	if why := checkVersionPart(d.Name, ".:"); d.Name != "" && why != "" {
		p.add(WorkerDeploymentName, "%s", why)
	}
	if why := checkVersionPart(d.BuildID, ""); d.BuildID != "" && why != "" {
		p.add(WorkerBuildID, "%s", why)
	}
	return d
}

// maxVersionPart keeps the deployment name and build ID well inside the
// server's limit on the workflow IDs it builds from them.
const maxVersionPart = 255

// checkVersionPart says what the server would refuse in a deployment name or
// build ID, or "" when it is fine; forbidden are characters it must not hold.
func checkVersionPart(v, forbidden string) string {
	switch {
	case len(v) > maxVersionPart:
		return sprintf("is %d bytes long, at most %d", len(v), maxVersionPart)
	case strings.HasPrefix(v, "__"):
		return sprintf("must not start with __ (reserved by Temporal), got %q", v)
	case forbidden != "" && strings.ContainsAny(v, forbidden):
		return sprintf("must not contain any of %q, got %q", forbidden, v)
	case strings.IndexFunc(v, unicode.IsSpace) >= 0 || strings.IndexFunc(v, unicode.IsControl) >= 0:
		return sprintf("must not contain spaces or control characters, got %q", v)
	}
	return ""
}
