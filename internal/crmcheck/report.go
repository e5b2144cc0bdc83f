package crmcheck

import (
	"fmt"
	"io"
	"math"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/safetext"
)

// Report is what a check saw and concludes; `starter crm-check --json`
// prints it as one JSON object.
type Report struct {
	RunID    string  `json:"runId"`
	BaseURL  string  `json:"baseUrl"`
	MemberID string  `json:"memberId"`
	Points   float64 `json:"points"`
	// Codes is the mapping the conclusions were drawn under, on one line.
	Codes string       `json:"codes"`
	Steps []StepResult `json:"steps"`
	// LeftFrozen is what the check could not settle; empty when the CRM
	// said, under each freeze's token, that nothing stays frozen.
	LeftFrozen []Held `json:"leftFrozen"`
	// Wrong and Unknown count the steps of those verdicts.
	Wrong   int `json:"wrong"`
	Unknown int `json:"unknown"`
	// Unreachable says why the check could not run: the CRM did not
	// answer, or refused its credentials. "" when it ran.
	Unreachable string `json:"unreachable,omitempty"`
	// Interrupted is true when a signal stopped the sequence early (what
	// it froze was settled all the same).
	Interrupted bool `json:"interrupted,omitempty"`
	// CodesFile is the codes file written (--write-codes), if any.
	CodesFile string `json:"codesFile,omitempty"`
}

// StepResult is one request of the check and its verdict.
type StepResult struct {
	Step        string  `json:"step"`
	Op          string  `json:"op"`
	Token       string  `json:"token,omitempty"`
	FreezeToken string  `json:"freezeToken,omitempty"`
	Points      float64 `json:"points,omitempty"`
	// Status is the HTTP status of the last attempt, 0 when none came.
	Status int `json:"status"`
	// Success is the answer's `success`, null when it had none.
	Success *bool  `json:"success"`
	Code    string `json:"code"`
	// Message is the answer's message (or why there was none), one line.
	Message   string  `json:"message"`
	LatencyMs float64 `json:"latencyMs"`
	Attempts  int     `json:"attempts"`
	// Replayed is the CRM's replay marker.
	Replayed bool `json:"replayed,omitempty"`
	// Conclusion is what kylin-points concludes from the answer under the
	// mapping in Report.Codes.
	Conclusion string `json:"conclusion"`
	// Verdict is VerdictOK, VerdictNote, VerdictWrong, VerdictUnknown or
	// VerdictSkipped; Note says why, when it is not plainly ok.
	Verdict string `json:"verdict"`
	Note    string `json:"note,omitempty"`

	kind kind
	// bare is a 200 or 201 with neither `success` nor a code that the
	// client read, or could only read, as applied.
	bare bool
}

// humanMessageChars bounds the message in a line of the human report.
const humanMessageChars = 60

// WriteHeader prints the line that opens a human report.
func WriteHeader(w io.Writer, r Report) {
	fmt.Fprintf(w, "crm-check run %s against %s, member %s, %s points; every token starts %s-\n",
		r.RunID, r.BaseURL, oneLine(r.MemberID, crm.MaxMemberIDChars), crm.FormatPoints(r.Points), r.RunID)
	fmt.Fprintf(w, "codes mapping: %s\n", r.Codes)
}

// WriteStep prints one step on one line: status, success, code, message,
// latency, and what kylin-points concludes, flagged when wrong or unknown.
func WriteStep(w io.Writer, s StepResult) {
	if s.Verdict == VerdictSkipped {
		fmt.Fprintf(w, "%-22s skipped: %s\n", s.Step, s.Conclusion)
		return
	}
	status := "no answer"
	if s.Status != 0 {
		status = fmt.Sprintf("HTTP %d", s.Status)
	}
	success := "-"
	if s.Success != nil {
		success = fmt.Sprint(*s.Success)
	}
	conclusion := s.Conclusion
	switch s.Verdict {
	case VerdictWrong:
		conclusion = "WRONG: " + conclusion + " — " + s.Note
	case VerdictUnknown:
		conclusion = "UNKNOWN: " + conclusion + " — " + s.Note
	case VerdictNote, VerdictOK:
		if s.Note != "" {
			conclusion += " (note: " + s.Note + ")"
		}
	}
	fmt.Fprintf(w, "%-22s %-9s success=%-5s code=%-18s %7s  %-*q → %s\n", s.Step, status, success, oneLine(s.Code, 18),
		formatLatency(s.LatencyMs), humanMessageChars+2, oneLine(s.Message, humanMessageChars), conclusion)
}

// WriteSummary prints the lines that close a human report: the verdict
// counts, and what stays frozen.
func WriteSummary(w io.Writer, r Report) {
	if r.Interrupted {
		fmt.Fprintln(w, "interrupted: the sequence stopped early; what the check froze was settled above")
	}
	if r.Unreachable != "" {
		fmt.Fprintln(w, "the check could not run: "+r.Unreachable)
	}
	fmt.Fprintf(w, "%d step(s) where kylin-points would conclude something wrong, %d where it cannot conclude (see docs/crm.md, Checking your CRM)\n",
		r.Wrong, r.Unknown)
	if r.CodesFile != "" {
		fmt.Fprintf(w, "codes file written: %s (give it to the worker as KYLIN_CRM_CODES_FILE)\n", r.CodesFile)
	}
	if len(r.LeftFrozen) == 0 {
		fmt.Fprintln(w, "left frozen: nothing: every freeze the check sent was settled, refused, or never reached the CRM")
		return
	}
	for _, h := range r.LeftFrozen {
		how := "may stay"
		if h.Certain {
			how = "stay"
		}
		under := "token " + h.FreezeToken
		if h.FreezeToken == "" {
			under = "tokens the check cannot name (the balance shows them)"
		}
		fmt.Fprintf(w, "LEFT FROZEN: %s points %s frozen under %s: settle them in the CRM\n", crm.FormatPoints(h.Points), how, under)
	}
}

// formatLatency prints a latency in milliseconds, to a tenth below 10ms.
func formatLatency(ms float64) string {
	if ms < 10 {
		return fmt.Sprintf("%.1fms", ms)
	}
	return fmt.Sprintf("%.0fms", ms)
}

// oneLine bounds outside text (the CRM's words) to one printable line.
func oneLine(s string, n int) string { return safetext.Line(s, n) }

// round1 rounds to a tenth.
func round1(x float64) float64 { return math.Round(x*10) / 10 }

// counts fills Wrong and Unknown.
func (r *Report) counts() {
	r.Wrong, r.Unknown = 0, 0
	for _, s := range r.Steps {
		switch s.Verdict {
		case VerdictWrong:
			r.Wrong++
		case VerdictUnknown:
			r.Unknown++
		}
	}
}

// Verdicts are the verdicts by step; a step run more than once (cleanup)
// has its verdicts joined by commas, in order.
func (r Report) Verdicts() map[string]string {
	out := map[string]string{}
	for _, s := range r.Steps {
		if prev, ok := out[s.Step]; ok {
			out[s.Step] = prev + "," + s.Verdict
			continue
		}
		out[s.Step] = s.Verdict
	}
	return out
}

// stepNamed is the result of the step called name, if it ran.
func (r Report) stepNamed(name string) (StepResult, bool) {
	for _, s := range r.Steps {
		if s.Step == name && s.Verdict != VerdictSkipped {
			return s, true
		}
	}
	return StepResult{}, false
}
