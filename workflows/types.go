package workflows

import "time"

// Names by which other languages and the temporal CLI reach the workflows.
const (
	RedemptionWorkflowName   = "RedemptionWorkflow"
	FreezePointsWorkflowName = "FreezePointsWorkflow"
	// ReleasePointsWorkflowName and ConsumePointsWorkflowName settle a freeze
	// that FreezePointsWorkflow returned; both take a SettleRequest.
	ReleasePointsWorkflowName = "ReleasePointsWorkflow"
	ConsumePointsWorkflowName = "ConsumePointsWorkflow"
	// UpdateConfirm and UpdateCancel settle a FROZEN redemption. confirm
	// takes an optional ConfirmRequest.
	UpdateConfirm = "confirm"
	UpdateCancel  = "cancel"
	// QueryStatus returns a RedemptionStatus.
	QueryStatus = "status"
	// UpdateAwaitFreeze waits until the freeze has settled and answers: a
	// RedemptionStatus (FROZEN, FAILED, or RELEASING while an unsettled
	// freeze is undone) from RedemptionWorkflow, the FreezeResult (or its
	// error) from FreezePointsWorkflow. Sent with the start
	// (Update-with-Start), it is the one round trip of redeem.
	UpdateAwaitFreeze = "awaitFreeze"
	// UpdateRetry and UpdateResolve act on a redemption that waits for a
	// person in ATTENTION: retry settles again now under the same tokens
	// (back to ATTENTION if that fails again); resolve takes a
	// ResolveRequest (a person checked the CRM and settled it there) and
	// ends the run RESOLVED. Both answer the status once they have acted.
	UpdateRetry   = "retry"
	UpdateResolve = "resolve"
)

// Default timings (docs/design.md, Timings): how long points stay frozen awaiting a decision,
// and how long the freeze step may take in all, retries included.
const (
	DefaultHold          = 15 * time.Minute
	DefaultFreezeTimeout = 2 * time.Minute
	// MaxHold and MaxFreezeTimeout bound what a client may ask for
	// (holdSeconds, freezeTimeoutSeconds, timeoutSeconds): above them the
	// request is refused with InvalidInput before any CRM call, so that no
	// client keeps points frozen, or a freeze retrying through an outage,
	// for longer.
	MaxHold          = 7 * 24 * time.Hour
	MaxFreezeTimeout = time.Hour
)

// State is where a redemption stands.
type State string

// The states of a redemption (docs/design.md, Workflows and states; docs/contract.md, States).
const (
	StateFreezing  State = "FREEZING"
	StateFrozen    State = "FROZEN"
	StateConsuming State = "CONSUMING"
	StateConsumed  State = "CONSUMED"
	StateReleasing State = "RELEASING"
	StateReleased  State = "RELEASED"
	StateFailed    State = "FAILED"
	// StateAttention: points are, or may be, held with nothing left to
	// settle them; the run waits for a person's retry or resolve Update
	// (RedemptionStatus.Attention says why).
	StateAttention State = "ATTENTION"
	// StateResolved: a person said how a run in ATTENTION was settled
	// (RedemptionStatus.Resolution); the workflow knows no more than that.
	StateResolved State = "RESOLVED"
)

// Decisions: what settled a FROZEN redemption (RedemptionStatus.Decision).
const (
	DecisionConfirm           = UpdateConfirm
	DecisionCancel            = UpdateCancel
	DecisionHoldTimeout       = "hold-timeout"
	DecisionWorkflowCancelled = "workflow-cancelled"
	// DecisionConsumeRejected replaces confirm when the CRM refused the
	// consume for good and the points were released instead.
	DecisionConsumeRejected = "consume-rejected"
)

// Terminal reports whether no further change can happen.
func (s State) Terminal() bool {
	return s == StateConsumed || s == StateReleased || s == StateFailed || s == StateResolved
}

// Body holds the fields of the CRM body that are not the caller's business
// data. Empty ones are fixed from the worker's configuration when the
// workflow starts (KYLIN_CRM_MEMBER_TYPE, KYLIN_CRM_CHANNEL_TYPE, POINT), and
// recorded, so every request under one token carries the same body.
type Body struct {
	MemberType   string `json:"memberType,omitempty"`
	ChannelType  string `json:"channelType,omitempty"`
	PointBizType string `json:"pointBizType,omitempty"`
}

// FreezeRequest is the input of FreezePointsWorkflow and FreezePoints.
type FreezeRequest struct {
	MemberID    string  `json:"memberId"`
	Points      float64 `json:"points"`
	Description string  `json:"description"`
	ShopCode    string  `json:"shopCode,omitempty"`
	// TimeoutSeconds bounds the freeze, retries included; 0 means DefaultFreezeTimeout.
	TimeoutSeconds int64 `json:"timeoutSeconds,omitempty"`
	Body
	// Step names this freeze within its workflow ID: "" or StepFreeze, or
	// "freeze/<name>" (FreezeStep gives "freeze/2", ...). Its token, and its
	// release and consume tokens, derive from the workflow ID and the step
	// only, so the same step is the same freeze, by design, across retries,
	// resets, replays and continue-as-new: a workflow that freezes a second
	// time, in one run or after continuing as new, names another step.
	Step string `json:"step,omitempty"`
	// Undo asks to undo the freeze of this step instead of making it: ask
	// again under its token until the CRM answers, then release it.
	// FreezePointsWorkflow sets it when it continues as new while undoing a
	// freeze; a caller's workflow does the same after FreezePoints returned
	// ErrContinueAsNewSuggested.
	Undo bool `json:"undo,omitempty"`
	// Attention is set only by FreezePointsWorkflow itself, with Undo, when
	// it continues as new while it waits for a person in ATTENTION: the
	// next run waits again, under the same tokens. FreezePoints ignores it.
	Attention *Attention `json:"attention,omitempty"`
}

// FreezeResult says which freeze now holds the points, with all that its
// settlement needs: pass it to ReleasePoints or ConsumePoints (or, as the
// Freeze of a SettleRequest, to their workflows).
type FreezeResult struct {
	// WorkflowID and Step name the freeze: its token, and the tokens of its
	// release and consume, derive from them (BusinessToken).
	WorkflowID  string  `json:"workflowId,omitempty"`
	Step        string  `json:"step,omitempty"`
	MemberID    string  `json:"memberId"`
	Points      float64 `json:"points"`
	FreezeToken string  `json:"freezeToken"`
	Description string  `json:"description,omitempty"`
	ShopCode    string  `json:"shopCode,omitempty"`
	Body
	// Replayed is true when the CRM answered what was, by the activity's
	// attempt count, the first request of the freeze from its idempotency
	// record: the token had likely been used before this workflow (a workflow
	// ID reused after Temporal forgot it, or another deployment on the same
	// CRM), and the freeze returned is that earlier one. It is a warning, not
	// proof: an operator's activity reset starts the count again, so the
	// earlier use may be this workflow's own attempt whose answer was lost.
	// No decision of the workflows depends on it.
	Replayed bool `json:"replayed,omitempty"`
}

// SettleRequest is the input of ReleasePointsWorkflow and ConsumePointsWorkflow.
type SettleRequest struct {
	// Freeze is the result of the freeze to settle.
	Freeze FreezeResult `json:"freeze"`
	// Points is how many of the frozen points to consume (ConsumePointsWorkflow
	// only); the rest are released. 0 means all of them.
	Points float64 `json:"points,omitempty"`
	// Attention is set only by the settlement workflow itself when it
	// continues as new while it waits for a person in ATTENTION: the next
	// run waits again, under the same tokens.
	Attention *Attention `json:"attention,omitempty"`
}

// SettleResult says how a freeze was settled.
type SettleResult struct {
	// State is CONSUMED (some or all points consumed, the rest released) or
	// RELEASED (all released, nothing consumed).
	State          State   `json:"state"`
	FreezeToken    string  `json:"freezeToken"`
	MemberID       string  `json:"memberId"`
	ConsumedPoints float64 `json:"consumedPoints"`
	ReleasedPoints float64 `json:"releasedPoints"`
	ConsumeToken   string  `json:"consumeToken,omitempty"`
	ReleaseToken   string  `json:"releaseToken,omitempty"`
	// Error says why a consume became a release, or how an unknown outcome
	// was resolved.
	Error string `json:"error,omitempty"`
	// Attention and Resolution are set when the settlement workflow waited
	// for a person (ATTENTION); State is then RESOLVED once a person
	// resolved it, or what a person's retry led to.
	Attention  *Attention  `json:"attention,omitempty"`
	Resolution *Resolution `json:"resolution,omitempty"`
}

// ConfirmRequest is the optional argument of the confirm Update.
type ConfirmRequest struct {
	// Points to consume, at most those frozen; the rest are released. 0
	// means all of them.
	Points float64 `json:"points,omitempty"`
}

// RedemptionRequest is the input of RedemptionWorkflow.
type RedemptionRequest struct {
	MemberID    string  `json:"memberId"`
	Points      float64 `json:"points"`
	Description string  `json:"description"`
	ShopCode    string  `json:"shopCode,omitempty"`
	// HoldSeconds is how long points stay FROZEN awaiting confirm or cancel
	// before they are released; 0 means DefaultHold.
	HoldSeconds int64 `json:"holdSeconds,omitempty"`
	// FreezeTimeoutSeconds bounds the freeze step; 0 means DefaultFreezeTimeout.
	FreezeTimeoutSeconds int64 `json:"freezeTimeoutSeconds,omitempty"`
	Body
	// Resume is set only by the workflow itself, when it continues as new
	// while it settles (RedemptionResume). Callers leave it empty.
	Resume *RedemptionResume `json:"resume,omitempty"`
}

// RedemptionResume is what a redemption carries into its next run when it
// continues as new before its history grows too long: where it stands, the
// freeze and the decision, so that the new run carries on under the same
// tokens and keeps its status.
type RedemptionResume struct {
	Status RedemptionStatus `json:"status"`
	// Freeze is the freeze being settled; with Undo, the freeze whose
	// outcome is unknown and is being undone.
	Freeze FreezeResult `json:"freeze"`
	Undo   bool         `json:"undo,omitempty"`
	// Winner is the decision being carried out, Consume the points the
	// winning confirm consumes (0: all).
	Winner  string  `json:"winner,omitempty"`
	Consume float64 `json:"consume,omitempty"`
	// HoldUntil is when the hold ended, for the status.
	HoldUntil time.Time `json:"holdUntil,omitzero"`
	// Attention, when set, is a run that waited for a person in ATTENTION
	// and continued as new before its history grew too long: the next run
	// waits again, with the same tokens (Freeze, Undo, Winner, Consume say
	// what a retry settles).
	Attention *Attention `json:"attention,omitempty"`
}

// Attention says why a redemption waits for a person (StateAttention).
type Attention struct {
	// Why is the failure that left the points, or possibly left them, held.
	Why string `json:"why"`
	// Since is when the run first parked (kept across retries and runs).
	Since time.Time `json:"since"`
	// FreezeToken names the freeze; Points are those that may be held.
	FreezeToken string  `json:"freezeToken"`
	MemberID    string  `json:"memberId"`
	Points      float64 `json:"points"`
	// Certain is the StrandedFreeze's: false, the points may be held.
	Certain bool `json:"certain,omitempty"`
	// Retries counts the retry Updates this redemption has carried out.
	Retries int `json:"retries,omitempty"`
}

// ResolveRequest is the argument of the resolve Update.
type ResolveRequest struct {
	// Note says what the person found and did at the CRM; required.
	Note string `json:"note"`
	// Identity names who resolved it: the client's identity (the starter
	// sends its Temporal client identity); required. The server also records
	// the sending client's identity with the Update in the history.
	Identity string `json:"identity"`
}

// Resolution is what a person said when resolving a run in ATTENTION.
type Resolution struct {
	Note       string    `json:"note"`
	Identity   string    `json:"identity"`
	ResolvedAt time.Time `json:"resolvedAt"`
}

// RedemptionStatus is the answer of the status query, of the confirm and
// cancel updates, and the workflow's result.
type RedemptionStatus struct {
	WorkflowID   string  `json:"workflowId"`
	State        State   `json:"state"`
	MemberID     string  `json:"memberId"`
	Points       float64 `json:"points"`
	Description  string  `json:"description"`
	FreezeToken  string  `json:"freezeToken"`
	ReleaseToken string  `json:"releaseToken,omitempty"`
	ConsumeToken string  `json:"consumeToken,omitempty"`
	// ConsumedPoints and ReleasedPoints say how the freeze was settled; a
	// confirm for fewer points than frozen sets both.
	ConsumedPoints float64 `json:"consumedPoints,omitempty"`
	ReleasedPoints float64 `json:"releasedPoints,omitempty"`
	// Decision is what settled a FROZEN redemption: confirm, cancel, hold-timeout,
	// workflow-cancelled, or consume-rejected.
	Decision  string    `json:"decision,omitempty"`
	StartedAt time.Time `json:"startedAt"`
	FrozenAt  time.Time `json:"frozenAt,omitzero"`
	SettledAt time.Time `json:"settledAt,omitzero"`
	// Replayed lists the steps whose first request the CRM answered from its
	// idempotency record: their tokens had likely been used before this
	// workflow (FreezeResult.Replayed says why "likely").
	Replayed []string `json:"replayed,omitempty"`
	// Error is the last failure, e.g. why the freeze or the consume was rejected.
	Error string `json:"error,omitempty"`
	// Attention is set while, and after, the run waited for a person
	// (ATTENTION); Resolution once a person resolved it (RESOLVED).
	Attention  *Attention  `json:"attention,omitempty"`
	Resolution *Resolution `json:"resolution,omitempty"`
}
