package startercli

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/safetext"
	"github.com/kylinpoints/kylin-points/workflows"
)

// Bounds on what the starter prints of text from the CRM or from users.
const (
	maxErrorChars = 600
	maxLineChars  = 1000
)

// Report is what a command prints: with --json, as one JSON object on
// stdout. workflowId, state, memberId, points and freezeToken are always
// present (state is "" when the workflow could not be read); error is set
// when the command failed.
type Report struct {
	WorkflowID  string  `json:"workflowId"`
	RunID       string  `json:"runId,omitempty"`
	State       string  `json:"state"`
	MemberID    string  `json:"memberId"`
	Points      float64 `json:"points"`
	FreezeToken string  `json:"freezeToken"`
	// ConsumedPoints and ReleasedPoints say how a settled freeze ended.
	ConsumedPoints float64 `json:"consumedPoints,omitempty"`
	ReleasedPoints float64 `json:"releasedPoints,omitempty"`
	// Decision is what settled a FROZEN redemption (confirm, cancel, hold-timeout, ...).
	Decision string `json:"decision,omitempty"`
	// Replayed lists the steps whose first request the CRM answered from its
	// idempotency record: their tokens were used before this workflow.
	Replayed []string `json:"replayed,omitempty"`
	// Stranded is "certain" when the points stay frozen under freezeToken
	// until a person settles them, "possible" when they may.
	Stranded string `json:"stranded,omitempty"`
	// Retrying is the last failure of a step the worker keeps retrying.
	Retrying string `json:"retrying,omitempty"`
	// StartedAt and HoldUntil are list's: when the run started, and when
	// the hold of a FROZEN redemption ends.
	StartedAt *time.Time `json:"startedAt,omitempty"`
	HoldUntil *time.Time `json:"holdUntil,omitempty"`
	// Attention says why a redemption waits for a person (ATTENTION), and
	// since when; Resolution what the person said (RESOLVED).
	Attention  *workflows.Attention  `json:"attention,omitempty"`
	Resolution *workflows.Resolution `json:"resolution,omitempty"`
	Error      string                `json:"error,omitempty"`
	// Every is how often the Schedule of schedule create runs.
	Every string `json:"every,omitempty"`
	// UIURL links to the run's history in the Temporal Web UI.
	UIURL string `json:"uiUrl,omitempty"`
}

// Values of Report.Stranded.
const (
	strandedCertain  = "certain"
	strandedPossible = "possible"
)

// outcome is the result of one command: what to print (one report, or
// list's many), the failure line for stderr ("" when it succeeded) and
// warnings for stderr.
type outcome struct {
	report   Report
	list     []Report
	isList   bool
	problem  string
	warnings []string
}

func (o outcome) code() int {
	if o.problem != "" {
		return ExitFailed
	}
	return ExitOK
}

// reportOf renders a redemption status, every text on one bounded line.
func reportOf(st workflows.RedemptionStatus, runID string) Report {
	r := Report{
		WorkflowID:     st.WorkflowID,
		RunID:          runID,
		State:          string(st.State),
		MemberID:       safetext.Line(st.MemberID, crm.MaxMemberIDChars),
		Points:         st.Points,
		FreezeToken:    st.FreezeToken,
		ConsumedPoints: st.ConsumedPoints,
		ReleasedPoints: st.ReleasedPoints,
		Decision:       safetext.Line(st.Decision, 64),
		Replayed:       st.Replayed,
		Error:          safetext.Line(st.Error, maxErrorChars),
	}
	if a := st.Attention; a != nil {
		c := *a
		c.Why, c.MemberID = safetext.Line(a.Why, maxErrorChars), safetext.Line(a.MemberID, crm.MaxMemberIDChars)
		r.Attention = &c
	}
	if res := st.Resolution; res != nil {
		c := *res
		c.Note, c.Identity = safetext.Line(res.Note, maxErrorChars), safetext.Line(res.Identity, 255)
		r.Resolution = &c
	}
	if st.State == workflows.StateAttention {
		// Waiting for a person: the points may be held (never "not held").
		r.Stranded = strandedPossible
		if st.Attention != nil && st.Attention.Certain {
			r.Stranded = strandedCertain
		}
	}
	return r
}

// link is the run's page in the Web UI, or "" without a run ID.
func (a *App) link(workflowID, runID string) string {
	return workflows.RunURL(a.UIURL, a.Namespace, workflowID, runID)
}

func writeJSON(w io.Writer, r Report) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r)
}

// maxStateChars bounds a state as printed: ours are short words.
const maxStateChars = 32

// writeHuman prints "<id>: <STATE> — <what it means>" and the UI link.
func writeHuman(w io.Writer, r Report) {
	if r.State == "" {
		return
	}
	if r.Every != "" {
		fmt.Fprintf(w, "schedule %s: %s, runs every %s\n", r.WorkflowID, r.State, r.Every)
		return
	}
	line := describe(r)
	if r.StartedAt != nil {
		line += ", started " + r.StartedAt.UTC().Format(time.RFC3339)
		if r.HoldUntil != nil {
			line += ", held until " + r.HoldUntil.UTC().Format(time.RFC3339)
		}
	}
	// Any client may set a workflow ID or KylinState: each goes through
	// the one sanitiser before it reaches the terminal.
	fmt.Fprintf(w, "%s: %s — %s\n", safetext.Line(r.WorkflowID, maxWorkflowIDBytes), safetext.Line(r.State, maxStateChars),
		safetext.Line(line, maxLineChars))
	if r.Retrying != "" {
		fmt.Fprintf(w, "  retrying: %s\n", safetext.Line(r.Retrying, maxLineChars))
	}
	if r.UIURL != "" {
		fmt.Fprintf(w, "  %s\n", safetext.Line(r.UIURL, 2*maxWorkflowIDBytes))
	}
}

func describe(r Report) string {
	amount := crm.FormatPoints(r.Points) + " points"
	if r.MemberID != "" { // list knows no member it cannot read (a keyed hash)
		amount += " of member " + r.MemberID
	}
	switch workflows.State(r.State) {
	case workflows.StateAttention:
		s := amount + " may be held under token " + r.FreezeToken + ": waiting for a person"
		if a := r.Attention; a != nil {
			s += fmt.Sprintf(" since %s (%s): %s", a.Since.UTC().Format(time.RFC3339), ageOf(a.Since), a.Why)
		}
		return s + "; starter retry --id " + r.WorkflowID + ", or starter resolve --id " + r.WorkflowID + " --note TEXT"
	case workflows.StateResolved:
		s := amount + ": resolved by a person"
		if res := r.Resolution; res != nil {
			s = fmt.Sprintf("%s: resolved by %s at %s: %s", amount, res.Identity, res.ResolvedAt.UTC().Format(time.RFC3339), res.Note)
		}
		return s
	}
	switch {
	case r.Stranded == strandedCertain:
		return amount + " stay frozen under token " + r.FreezeToken + " until a person settles them"
	case r.Stranded == strandedPossible:
		return amount + " may stay frozen under token " + r.FreezeToken + " until a person checks"
	}
	switch workflows.State(r.State) {
	case workflows.StateFreezing:
		return "freezing " + amount
	case workflows.StateFrozen:
		return amount + " frozen (token " + r.FreezeToken + ")"
	case workflows.StateConsuming:
		return "consuming " + amount
	case workflows.StateConsumed:
		s := amount + " consumed (token " + r.FreezeToken + ")"
		if r.ReleasedPoints > 0 {
			s = fmt.Sprintf("%s of %s consumed, %s released (token %s)", crm.FormatPoints(r.ConsumedPoints), amount,
				crm.FormatPoints(r.ReleasedPoints), r.FreezeToken)
		}
		return withErrorText(s, r.Error)
	case workflows.StateReleasing:
		return "releasing " + amount
	case workflows.StateReleased:
		s := amount + " released"
		if r.Decision != "" {
			s += " (" + r.Decision + ")"
		}
		return withErrorText(s, r.Error)
	case workflows.StateFailed:
		return amount + " not frozen: " + r.Error
	default:
		return amount
	}
}

// withErrorText appends ": <error>" when there is one.
func withErrorText(s, err string) string {
	if err == "" {
		return s
	}
	return s + ": " + err
}
