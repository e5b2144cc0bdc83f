package sandbox

import (
	"encoding/json"
	"errors"
	"time"
)

// ErrUnknownMember is returned for a member the ledger does not hold.
var ErrUnknownMember = errors.New("sandbox: unknown member")

// Balance is one member's account, in points.
// Available + Frozen + Consumed = Granted.
type Balance struct {
	MemberID   string  `json:"memberId"`
	MemberType string  `json:"memberType"`
	Available  float64 `json:"available"`
	Frozen     float64 `json:"frozen"`
	Consumed   float64 `json:"consumed"`
	Granted    float64 `json:"granted"`
}

// Entry is one effect in the ledger: a grant, freeze, release or consume.
type Entry struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
	// Op is "grant", "freeze", "release" or "consume".
	Op       string `json:"op"`
	MemberID string `json:"memberId"`
	// FreezeToken is the freeze a release or consume settled.
	FreezeToken string    `json:"freezeToken,omitempty"`
	Points      float64   `json:"points"`
	At          time.Time `json:"at"`
}

// Freeze is one applied freeze and what has been settled of it.
type Freeze struct {
	Token     string  `json:"token"`
	MemberID  string  `json:"memberId"`
	Points    float64 `json:"points"`
	Released  float64 `json:"released"`
	Consumed  float64 `json:"consumed"`
	Remaining float64 `json:"remaining"`
}

// TokenRecord is the stored first answer to an X-Business-Token.
type TokenRecord struct {
	Token    string `json:"token"`
	Op       string `json:"op"`
	BodyHash string `json:"bodyHash"`
	// Status is "applied" (an effect) or "rejected" (a business rejection).
	Status string `json:"status"`
	// Response is the stored answer body, replayed to every repeat.
	Response  json.RawMessage `json:"response"`
	CreatedAt time.Time       `json:"createdAt"`
}

// Token record statuses.
const (
	StatusApplied  = "applied"
	StatusRejected = "rejected"
)

// OpGrant is the ledger operation of Grant (the others are crm.OpFreeze,
// crm.OpRelease and crm.OpConsume).
const OpGrant = "grant"

// Envelope codes the sandbox answers with (docs/crm.md, Response).
const (
	CodeSuccess         = "SUCCESS"
	CodePointNotEnough  = "POINT_NOT_ENOUGH"
	CodeFreezeNotFound  = "FREEZE_NOT_FOUND"
	CodeFreezeNotEnough = "FREEZE_NOT_ENOUGH"
	CodeBadRequest      = "BAD_REQUEST"
	CodeUnauthorized    = "UNAUTHORIZED"
	CodeForbidden       = "FORBIDDEN"
	CodeMemberNotFound  = "MEMBER_NOT_FOUND"
	CodeNotFound        = "NOT_FOUND"
	CodeMethod          = "METHOD_NOT_ALLOWED"
	CodeTooLarge        = "BODY_TOO_LARGE"
	CodeConflict        = "IDEMPOTENCY_CONFLICT"
	CodeTooMany         = "TOO_MANY_REQUESTS"
	CodeInternal        = "INTERNAL_ERROR"
	CodeUnavailable     = "SERVICE_UNAVAILABLE"
	CodeBadGateway      = "BAD_GATEWAY"
	CodeScripted        = "SCRIPTED_REFUSAL"
)
