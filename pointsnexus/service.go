// Package pointsnexus is the Nexus service "points": the freeze, a whole
// redemption and its settlement, for workflows of other teams and other
// namespaces. The kylin-points worker serves it (NewService); a caller needs
// only an endpoint that targets that worker's namespace and task queue.
//
// The package is importable on purpose: another team's Go workflow uses its
// operation references and input types, so that the compiler checks the
// contract instead of a string and a hope:
//
//	c := workflow.NewNexusClient("kylin-points", pointsnexus.ServiceName)
//	f := c.ExecuteOperation(ctx, pointsnexus.RedeemOperation, pointsnexus.RedeemInput{Key: orderID, RedemptionRequest: req}, workflow.NexusOperationOptions{})
//
// Callers in other languages send the same JSON; docs/contract.md lists it.
//
// Every workflow the service starts takes its ID from the caller's
// namespace and Key (a business key such as an order ID), in an ID space of
// its own: "nexus/<caller namespace>/redeem-<key>" (see IDPrefix). The
// caller's namespace is the one the server names in the request's link to the
// caller's workflow; a request without one is refused. So a caller reaches
// only the runs its own namespace started through Nexus, never a starter's
// "redeem-<orderId>" nor another namespace's, and asking about any other key
// is answered as not found, whether or not a run of that name exists
// (docs/security.md). A retried Nexus start carries the same request ID and
// attaches to the run it started; any other start with a used key is refused
// (ErrAlreadyStarted). So one business request is one workflow and one token
// per step, however often the caller's side retries.
package pointsnexus

import (
	"github.com/nexus-rpc/sdk-go/nexus"

	"github.com/kylinpoints/kylin-points/workflows"
)

// ServiceName is the Nexus service the worker registers.
const ServiceName = "points"

// EndpointName is the endpoint the dev stack creates, and the name the
// `temporal operator nexus endpoint create` command of docs/integration.md gives it.
const EndpointName = "kylin-points"

// Operation names, as callers in any language give them.
const (
	// OpFreeze (async) runs FreezePointsWorkflow; its result is the FreezeResult.
	OpFreeze = "freeze"
	// OpRelease and OpConsume (async) settle the freeze of the same key:
	// release gives the points back, consume deducts them (all, or Points
	// and releases the rest).
	OpRelease = "release"
	OpConsume = "consume"
	// OpRedeem (async) runs RedemptionWorkflow; its result is the final
	// RedemptionStatus (CONSUMED, RELEASED or FAILED).
	OpRedeem = "redeem"
	// OpConfirm and OpCancel (sync) decide a FROZEN redemption.
	OpConfirm = "confirm"
	OpCancel  = "cancel"
	// OpStatus (sync) answers the redemption's status query.
	OpStatus = "status"
)

// RedemptionRef names a redemption by the key it was started with: the
// input of OpCancel and OpStatus.
type RedemptionRef struct {
	// Key is the business key the caller's namespace gave to OpRedeem.
	Key string `json:"key"`
}

// ConfirmInput is the input of OpConfirm.
type ConfirmInput struct {
	// Key is the business key given to OpRedeem.
	Key string `json:"key"`
	// Points is how many of the frozen points to consume, the rest being
	// released; 0 consumes all of them.
	Points float64 `json:"points,omitempty"`
}

// FreezeInput is the input of OpFreeze: the key and the freeze request.
type FreezeInput struct {
	// Key is the business key; the freeze runs as workflow
	// "nexus/<caller namespace>/freeze-<key>".
	Key string `json:"key"`
	workflows.FreezeRequest
}

// RedeemInput is the input of OpRedeem: the key and the redemption request.
type RedeemInput struct {
	// Key is the business key; the redemption runs as workflow
	// "nexus/<caller namespace>/redeem-<key>".
	Key string `json:"key"`
	workflows.RedemptionRequest
}

// SettleInput is the input of OpRelease and OpConsume.
type SettleInput struct {
	// Key is the key the caller's namespace froze with (OpFreeze). The
	// settlement runs as the freeze's one settlement,
	// workflows.SettlementID("nexus/<caller namespace>/freeze-<key>"): a
	// freeze is settled once, by a release or a consume, never both.
	Key string `json:"key"`
	// Points, for consume only, is how many of the frozen points to deduct;
	// 0 deducts all of them. The rest is released.
	Points float64 `json:"points,omitempty"`
}

// Operation references, for callers' Go workflows.
var (
	FreezeOperation  = nexus.NewOperationReference[FreezeInput, workflows.FreezeResult](OpFreeze)
	RedeemOperation  = nexus.NewOperationReference[RedeemInput, workflows.RedemptionStatus](OpRedeem)
	ConfirmOperation = nexus.NewOperationReference[ConfirmInput, workflows.RedemptionStatus](OpConfirm)
	CancelOperation  = nexus.NewOperationReference[RedemptionRef, workflows.RedemptionStatus](OpCancel)
	StatusOperation  = nexus.NewOperationReference[RedemptionRef, workflows.RedemptionStatus](OpStatus)
	ReleaseOperation = nexus.NewOperationReference[SettleInput, workflows.SettleResult](OpRelease)
	ConsumeOperation = nexus.NewOperationReference[SettleInput, workflows.SettleResult](OpConsume)
)
