package workflows

import "time"

// Names by which other languages and the temporal CLI reach the workflows.
const (
	RedemptionWorkflowName   = "RedemptionWorkflow"
	FreezePointsWorkflowName = "FreezePointsWorkflow"
	// UpdateConfirm and UpdateCancel settle a FROZEN redemption.
	UpdateConfirm = "confirm"
	UpdateCancel  = "cancel"
	// QueryStatus returns a RedemptionStatus.
	QueryStatus = "status"
)

// Default timings (DESIGN.md): how long points stay frozen awaiting a decision,
// and how long the freeze step may take in all, retries included.
const (
	DefaultHold          = 15 * time.Minute
	DefaultFreezeTimeout = 2 * time.Minute
)

// State is where a redemption stands.
type State string

// The states of a redemption (DESIGN.md).
const (
	StateFreezing  State = "FREEZING"
	StateFrozen    State = "FROZEN"
	StateConsuming State = "CONSUMING"
	StateConsumed  State = "CONSUMED"
	StateReleasing State = "RELEASING"
	StateReleased  State = "RELEASED"
	StateFailed    State = "FAILED"
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
	return s == StateConsumed || s == StateReleased || s == StateFailed
}

// FreezeRequest is the input of FreezePointsWorkflow and FreezePoints.
type FreezeRequest struct {
	MemberID    string  `json:"memberId"`
	Points      float64 `json:"points"`
	Description string  `json:"description"`
	ShopCode    string  `json:"shopCode,omitempty"`
	// TimeoutSeconds bounds the freeze, retries included; 0 means DefaultFreezeTimeout.
	TimeoutSeconds int64 `json:"timeoutSeconds,omitempty"`
}

// FreezeResult says which freeze now holds the points.
type FreezeResult struct {
	MemberID    string  `json:"memberId"`
	Points      float64 `json:"points"`
	FreezeToken string  `json:"freezeToken"`
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
	// Decision is what settled a FROZEN redemption: confirm, cancel, hold-timeout,
	// workflow-cancelled, or consume-rejected.
	Decision  string    `json:"decision,omitempty"`
	StartedAt time.Time `json:"startedAt"`
	FrozenAt  time.Time `json:"frozenAt,omitzero"`
	SettledAt time.Time `json:"settledAt,omitzero"`
	// Error is the last failure, e.g. why the freeze or the consume was rejected.
	Error string `json:"error,omitempty"`
}
