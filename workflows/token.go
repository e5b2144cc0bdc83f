package workflows

import (
	"github.com/google/uuid"
)

// TokenNamespace is the fixed UUIDv5 namespace of kylin-points business tokens.
// It is written here and in the README, and must never change: changing it
// would give every in-flight redemption new tokens and freeze points twice.
var TokenNamespace = uuid.MustParse("fbb484b0-fc3c-47bb-9ccd-61b523496121")

// Step names that, with the workflow ID, seed the X-Business-Token.
const (
	StepFreeze  = "freeze"
	StepRelease = "release"
	StepConsume = "consume"
)

// BusinessToken is the X-Business-Token of one step of one business request:
// UUIDv5(TokenNamespace, workflowID + "/" + step). It depends on nothing else,
// so every retry, reset and replay of the workflow sends the same token.
func BusinessToken(workflowID, step string) string {
	return uuid.NewSHA1(TokenNamespace, []byte(workflowID+"/"+step)).String()
}
