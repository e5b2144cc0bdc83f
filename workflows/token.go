package workflows

import (
	"cmp"
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

// FreezeStep is the step "freeze/<n>" for n > 1, and StepFreeze for n <= 1:
// a name for the n-th freeze of a workflow that freezes several times, as
// FreezeRequest.Step. Steps are named by the caller, never counted by the
// workflow: a count kept outside the workflow's history is not replay-safe.
func FreezeStep(n int) string {
	if n <= 1 {
		return StepFreeze
	}
	return fmt.Sprintf("%s/%d", StepFreeze, n)
}

// SettleStep is the step that settles the freeze of freezeStep with op
// (StepRelease or StepConsume): "release" for "freeze", "consume/second"
// for "freeze/second". Each freeze has its own settlement tokens.
func SettleStep(freezeStep, op string) string {
	return op + strings.TrimPrefix(freezeStep, StepFreeze)
}

// maxStepNameLength bounds the name after "freeze/".
const maxStepNameLength = 64

// checkFreezeStep refuses a step that is not StepFreeze or "freeze/<name>",
// name being 1 to 64 letters, digits, '.', '_' or '-', and not "rest" (whose
// release step, "release/rest", is the rest of the first freeze). These
// names never collide: "release/<name>" and "release/<name>/rest" belong to
// one freeze each.
func checkFreezeStep(step string) error {
	if step == StepFreeze {
		return nil
	}
	name, ok := strings.CutPrefix(step, StepFreeze+"/")
	switch {
	case !ok:
		return fmt.Errorf("step %q is not %q or %q", step, StepFreeze, StepFreeze+"/<name>")
	case name == "" || len(name) > maxStepNameLength:
		return fmt.Errorf("step %q: the name after %q must be 1 to %d characters", step, StepFreeze+"/", maxStepNameLength)
	case name == strings.TrimPrefix(restSuffix, "/"):
		return fmt.Errorf("step %q is reserved: its release token would be the rest of the first freeze's", step)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("step %q: the name after %q may hold letters, digits, '.', '_' and '-' only", step, StepFreeze+"/")
		}
	}
	return nil
}

// freezeStepOf is the step of a freeze asked for with step ("" is StepFreeze).
func freezeStepOf(step string) string { return cmp.Or(step, StepFreeze) }

// settlePrefix starts the workflow ID of a freeze's settlement.
const settlePrefix = "settle-"

// SettlementID is the workflow ID of the one settlement (ReleasePointsWorkflow
// or ConsumePointsWorkflow) of the freeze made by workflow freezeWorkflowID.
// Every client (the starter, the Nexus service, other teams) starts a
// settlement under this ID, so a freeze is settled once, whoever asks.
func SettlementID(freezeWorkflowID string) string { return settlePrefix + freezeWorkflowID }
