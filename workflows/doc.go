// Package workflows is the durable part of kylin-points: the workflows that
// freeze a member's points in the Kylin CRM and then consume or release them,
// exactly once, and the client side that starts and decides them.
//
// The workflows, startable by name from any language (docs/contract.md):
//
//   - RedemptionWorkflow: freeze, hold FROZEN until a confirm or cancel
//     Update (or the hold timeout, or cancellation), then consume or release.
//     Its result is the final RedemptionStatus; FAILED always means nothing
//     stays frozen.
//   - FreezePointsWorkflow: the freeze alone; the caller settles what it
//     returns with ReleasePointsWorkflow or ConsumePointsWorkflow.
//
// The same steps are functions for other teams' Go workflows: FreezePoints,
// ReleasePoints and ConsumePoints. Register them all on a worker with
// Register.
//
// Every CRM call carries an idempotency token derived from the workflow ID
// and the step only (BusinessToken, FreezeStep, SettleStep), so Temporal's
// retries, a reset or a worker killed mid-call never apply anything twice. A
// refusal counts as proof that nothing was applied only when it is; an
// unknown outcome is settled by asking again under the same token and then
// releasing. The activities are scheduled by method value, so the compiler
// checks their names.
//
// The client side (client.go, list.go) needs the SDK's client only, never
// the Temporal server: StartOptions, Redeem and Freeze (Update-with-Start of
// UpdateAwaitFreeze: one round trip to FROZEN), AwaitFreeze, Decide, List,
// RunURL, and ErrorType and Reason to read the errors they return.
//
// docs/design.md explains the states, the token rule, the timings and the
// error classes; docs/exactly-once.md's table says what happens on each CRM answer.
package workflows
