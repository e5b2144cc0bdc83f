// Package versioning rehearses a safe deploy with Worker Versioning. Build A
// (the worker binary, KYLIN_WORKER_DEPLOYMENT_NAME and KYLIN_WORKER_BUILD_ID
// set) parks 200 redemptions FROZEN; build B, a worker whose
// RedemptionWorkflow is deliberately changed under the same name (package
// internal/changed), is rolled out and made the deployment's current
// version; the parked runs are then confirmed or cancelled. Every run must end
// as it should, the old ones on A (pinned), the new ones on B, and A must
// drain; a replay of an A history on B's code must fail, which is what
// pinning saves the parked runs from.
//
//	go test ./tests/versioning -v
package versioning
