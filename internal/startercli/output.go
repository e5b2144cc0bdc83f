package startercli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/kylinpoints/kylin-points/workflows"
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
	// Decision is what settled a FROZEN redemption (confirm, cancel, hold-timeout, ...).
	Decision string `json:"decision,omitempty"`
	Error    string `json:"error,omitempty"`
	// UIURL links to the run's history in the Temporal Web UI.
	UIURL string `json:"uiUrl,omitempty"`
}

// outcome is the result of one command: what to print, and the failure
// line for stderr ("" when it succeeded).
type outcome struct {
	report  Report
	problem string
}

func (o outcome) code() int {
	if o.problem != "" {
		return ExitFailed
	}
	return ExitOK
}

// reportOf renders a redemption status.
func reportOf(st workflows.RedemptionStatus, runID string) Report {
	return Report{
		WorkflowID:  st.WorkflowID,
		RunID:       runID,
		State:       string(st.State),
		MemberID:    st.MemberID,
		Points:      st.Points,
		FreezeToken: st.FreezeToken,
		Decision:    st.Decision,
		Error:       st.Error,
	}
}

// link is the run's page in the Web UI, or "" without a run ID.
func (a *App) link(workflowID, runID string) string {
	if a.UIURL == "" || workflowID == "" || runID == "" {
		return ""
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s/history", a.UIURL,
		url.PathEscape(a.Namespace), url.PathEscape(workflowID), url.PathEscape(runID))
}

func writeJSON(w io.Writer, r Report) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r)
}

// writeHuman prints "<id>: <STATE> — <what it means>" and the UI link.
func writeHuman(w io.Writer, r Report) {
	if r.State == "" {
		return
	}
	fmt.Fprintf(w, "%s: %s — %s\n", r.WorkflowID, r.State, describe(r))
	if r.UIURL != "" {
		fmt.Fprintf(w, "  %s\n", r.UIURL)
	}
}

func describe(r Report) string {
	amount := formatPoints(r.Points) + " points of member " + r.MemberID
	switch workflows.State(r.State) {
	case workflows.StateFreezing:
		return "freezing " + amount
	case workflows.StateFrozen:
		return amount + " frozen (token " + r.FreezeToken + ")"
	case workflows.StateConsuming:
		return "consuming " + amount
	case workflows.StateConsumed:
		return amount + " consumed (token " + r.FreezeToken + ")"
	case workflows.StateReleasing:
		return "releasing " + amount
	case workflows.StateReleased:
		s := amount + " released"
		if r.Decision != "" {
			s += " (" + r.Decision + ")"
		}
		if r.Error != "" {
			s += ": " + oneLine(r.Error)
		}
		return s
	case workflows.StateFailed:
		return amount + " not frozen: " + oneLine(r.Error)
	default:
		return amount
	}
}

func formatPoints(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) }
