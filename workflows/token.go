package workflows

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// TokenNamespace is the fixed UUIDv5 namespace of kylin-points business tokens.
// It is written here and in docs/exactly-once.md, and must never change: changing it
// would give every in-flight redemption new tokens and freeze points twice.
var TokenNamespace = uuid.MustParse("fbb484b0-fc3c-47bb-9ccd-61b523496121")

// Step names that, with the workflow ID, seed the X-Business-Token.
const (
	StepFreeze  = "freeze"
	StepRelease = "release"
	StepConsume = "consume"
)

// restSuffix names the release of what is left of a freeze after a consume
// for fewer points whose answer was lost, once the release of the whole
// freeze has shown that the consume went through.
const restSuffix = "/rest"

// BusinessToken is the X-Business-Token of one step of one business request:
// UUIDv5(TokenNamespace, workflowID + "/" + step). It depends on nothing else,
// so every retry, reset and replay of the workflow sends the same token.
func BusinessToken(workflowID, step string) string {
	return uuid.NewSHA1(TokenNamespace, []byte(workflowID+"/"+step)).String()
}

// FreezeStep is the step of the n-th freeze (from 1) of one workflow:
// "freeze", then "freeze/2", "freeze/3", ...
func FreezeStep(n int) string {
	if n <= 1 {
		return StepFreeze
	}
	return fmt.Sprintf("%s/%d", StepFreeze, n)
}

// SettleStep is the step that settles the freeze of freezeStep with op
// (StepRelease or StepConsume): "release" for "freeze", "consume/2" for
// "freeze/2". Each freeze has its own settlement tokens.
func SettleStep(freezeStep, op string) string {
	return op + strings.TrimPrefix(freezeStep, StepFreeze)
}

// validFreezeStep reports whether s is a step FreezeStep can return.
func validFreezeStep(s string) bool {
	for n := 1; n <= maxFreezesPerWorkflow; n++ {
		if s == FreezeStep(n) {
			return true
		}
	}
	return false
}

// maxFreezesPerWorkflow bounds the freezes of one workflow execution.
const maxFreezesPerWorkflow = 1000

// settlePrefix starts the workflow ID of a freeze's settlement.
const settlePrefix = "settle-"

// SettlementID is the workflow ID of the one settlement (ReleasePointsWorkflow
// or ConsumePointsWorkflow) of the freeze made by workflow freezeWorkflowID.
// Every client (the starter, the Nexus service, other teams) starts a
// settlement under this ID, so a freeze is settled once, whoever asks.
func SettlementID(freezeWorkflowID string) string { return settlePrefix + freezeWorkflowID }
