package activities

// Input is what every CRM activity needs. The workflow computes Token;
// the activity never invents one.
type Input struct {
	// Token is this step's X-Business-Token.
	Token string `json:"token"`
	// FreezeToken names the freeze that a release or consume settles.
	FreezeToken string  `json:"freezeToken,omitempty"`
	MemberID    string  `json:"memberId"`
	Points      float64 `json:"points"`
	Description string  `json:"description"`
	ShopCode    string  `json:"shopCode,omitempty"`
}

// Output is what the CRM said.
type Output struct {
	Token  string `json:"token"`
	Status int    `json:"status"`
	Code   string `json:"code,omitempty"`
	// Replayed is true when the CRM answered from its idempotency record.
	Replayed bool `json:"replayed,omitempty"`
	// NothingToRelease is true when a release found no freeze to undo.
	NothingToRelease bool `json:"nothingToRelease,omitempty"`
}

// Error types of the non-retryable ApplicationErrors the activities return.
const (
	// ErrInvalidInput: the input failed validation; the CRM was not called.
	ErrInvalidInput = "InvalidInput"
	// ErrCRMRejected: the CRM refused for good; details carry status, code and message.
	ErrCRMRejected = "CRMRejected"
)
