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
	// workflow. Then a refusal even on the first attempt is no proof that
	// nothing was applied.
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
	// Attempt is the activity attempt that got this answer, from 1. A
	// replayed answer on attempt 1 of a token never sent before means
	// someone else used the token first.
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
	// ErrCRMRejected: the CRM refused for good, and its refusal proves that
	// nothing was applied under the token: a business answer under the token
	// (2xx with success:false, e.g. POINT_NOT_ENOUGH), or a refusal of the
	// token's very first request. Details carry status, code and message.
	// Not retryable.
	ErrCRMRejected = "CRMRejected"
	// ErrOutcomeUnknown: the CRM refused a request whose token an earlier
	// attempt had sent with its answer lost (401, 403, 404, 409, ... after a
	// timeout or a cut connection). The earlier attempt may have been
	// applied: the caller must settle it as for a timeout. Details carry the
	// refusal. Not retryable.
	ErrOutcomeUnknown = "CRMOutcomeUnknown"
	// ErrCRMUnauthorized: the CRM refused our credentials (401) or our right
	// to act (403) on a step that carries out a decision already taken
	// (release, consume, a recheck). Retryable, until an operator fixes the
	// secret, the caller's rights or the clock.
	ErrCRMUnauthorized = "CRMUnauthorized"
	// ErrCRMRefusing: a recheck met a refusal that says nothing about the
	// token (a gateway 404, 400, 422, 3xx). Retryable, until the CRM answers
	// under the token.
	ErrCRMRefusing = "CRMRefusing"
)
