package activities

// Input is what every CRM activity needs. The workflow computes Token and
// fixes every field of the body before the first attempt, so that no retry,
// reset or rolling deploy can send the same token with another body.
type Input struct {
	// Token is this step's X-Business-Token.
	Token string `json:"token"`
	// FreezeToken names the freeze that a release or consume settles.
	FreezeToken string  `json:"freezeToken,omitempty"`
	MemberID    string  `json:"memberId"`
	Points      float64 `json:"points"`
	Description string  `json:"description"`
	ShopCode    string  `json:"shopCode,omitempty"`
	// MemberType, ChannelType and PointBizType are the body's fields; empty
	// ones take the worker's configuration at each call (inputs recorded
	// before these fields existed).
	MemberType   string `json:"memberType,omitempty"`
	ChannelType  string `json:"channelType,omitempty"`
	PointBizType string `json:"pointBizType,omitempty"`
	// MaybeSent says the token may have reached the CRM before this activity
	// was scheduled: a run after a reset, or a step settled from another
	// workflow. It is recorded for people reading a history; no decision
	// depends on it any more, since a refusal is never proof (ErrCRMRefused).
	MaybeSent bool `json:"maybeSent,omitempty"`
	// Recheck asks again under the token of a request whose outcome is
	// unknown, to learn it: refusals that say nothing about the token
	// (credentials, gateway errors) are retried until the CRM answers under
	// the token.
	Recheck bool `json:"recheck,omitempty"`
}

// Output is what the CRM said.
type Output struct {
	Token  string `json:"token"`
	Status int    `json:"status"`
	Code   string `json:"code,omitempty"`
	// Replayed is true when the CRM answered from its idempotency record.
	Replayed bool `json:"replayed,omitempty"`
	// Attempt is the activity attempt that got this answer, from 1. It is a
	// hint for people (a replayed answer on attempt 1 suggests the token was
	// used before this workflow), never proof: an operator's activity reset
	// starts the count again.
	Attempt int32 `json:"attempt,omitempty"`
	// NothingToRelease is true when a release found no freeze to undo.
	NothingToRelease bool `json:"nothingToRelease,omitempty"`
}

// BodyFields are the fields of a CRM body that come from the worker's
// configuration when a request leaves them empty.
type BodyFields struct {
	MemberType   string `json:"memberType"`
	ChannelType  string `json:"channelType"`
	PointBizType string `json:"pointBizType"`
}

// Error types of the ApplicationErrors the activities return.
const (
	// ErrInvalidInput: the input failed validation; the CRM was not called.
	// Not retryable.
	ErrInvalidInput = "InvalidInput"
	// ErrCRMRefused: the CRM refused the request and it is not retried.
	// A refusal proves nothing by itself: an earlier request under the same
	// token may have been applied with its answer lost, and no attempt count
	// can tell (an operator's activity reset starts the count again). The
	// workflows settle every refused freeze by a release under its own
	// reference, and every refused consume by a release of the whole freeze,
	// and decide by what the CRM answers to that (docs/design.md, What a
	// refusal proves). Details carry status, code, message and the code's
	// meaning under the worker's codes mapping. Not retryable.
	ErrCRMRefused = "CRMRefused"
	// ErrCRMRejected is what activities before ErrCRMRefused returned for a
	// refusal they took as proof; recorded histories carry it, and the
	// workflows read it as they did. FreezePoints and FreezePointsWorkflow
	// still fail with this type when the CRM refused a freeze and a release
	// under the freeze's reference then proved that nothing is frozen.
	ErrCRMRejected = "CRMRejected"
	// ErrOutcomeUnknown is what activities before ErrCRMRefused returned for
	// a refusal after an attempt whose answer was lost; recorded histories
	// carry it. Not retryable.
	ErrOutcomeUnknown = "CRMOutcomeUnknown"
	// ErrCRMUnauthorized: the CRM refused our credentials (401) or our right
	// to act (403) on a step that carries out a decision already taken
	// (release, consume, a recheck). Retryable, until an operator fixes the
	// secret, the caller's rights or the clock.
	ErrCRMUnauthorized = "CRMUnauthorized"
	// ErrCRMRefusing: a recheck met a refusal that says nothing about the
	// token: a gateway 404 (no route) or a redirect. Retryable, until the CRM
	// answers under the token.
	ErrCRMRefusing = "CRMRefusing"
)
