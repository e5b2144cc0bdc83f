package crm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kylinpoints/kylin-points/internal/safetext"
)

// Meaning is what kylin-points reads into a business code of the CRM: the
// few answers the workflows decide on. A code that no Meaning names is
// unknown, and an unknown code is never taken as proof of anything
// (docs/design.md, What a refusal proves).
type Meaning string

// The meanings the workflows decide on (docs/crm.md, Business codes).
const (
	// MeaningNone: the code is not in the mapping.
	MeaningNone Meaning = ""
	// PointNotEnough: a freeze refused because the member has too few
	// available points.
	PointNotEnough Meaning = "pointNotEnough"
	// FreezeNotFound: a release or consume naming a freeze the CRM does not
	// hold (never applied, or already settled in full).
	FreezeNotFound Meaning = "freezeNotFound"
	// FreezeNotEnough: a release or consume of more points than the freeze
	// still holds (settled, at least in part, by another step).
	FreezeNotEnough Meaning = "freezeNotEnough"
)

// WithoutSuccess says how the client reads a 200 or 201 answer that has no
// `success` field (docs/crm.md, Response). A 204 No Content is always
// success: the W9 page lists it as "frozen".
type WithoutSuccess string

// Values of WithoutSuccess.
const (
	// WithoutSuccessApplied reads such an answer as applied: what
	// kylin-points assumed before the CRM's answers were configurable, and
	// the default.
	WithoutSuccessApplied WithoutSuccess = "applied"
	// WithoutSuccessReadCode reads such an answer by its code: a code in
	// Codes.Success is applied, a code with a Meaning is that business
	// refusal, and anything else (another code, none, an empty body) leaves
	// the outcome unknown, retried under the same token.
	WithoutSuccessReadCode WithoutSuccess = "code"
)

// Codes maps the CRM's business codes to their Meaning, and says how an
// answer without a `success` field is read. The zero value maps nothing and
// reads such an answer as applied; DefaultCodes is what kylin-points assumes
// of the CRM. The worker reads it from KYLIN_CRM_CODES_FILE
// (internal/config) and `starter crm-check` writes one from what it saw.
type Codes struct {
	PointNotEnough  []string `json:"pointNotEnough"`
	FreezeNotFound  []string `json:"freezeNotFound"`
	FreezeNotEnough []string `json:"freezeNotEnough"`
	// Success lists the codes of an applied request, read only in answers
	// without a `success` field when WithoutSuccess is WithoutSuccessReadCode.
	Success []string `json:"success"`
	// WithoutSuccess is how a 200 or 201 answer without a `success` field
	// is read; "" means WithoutSuccessApplied.
	WithoutSuccess WithoutSuccess `json:"withoutSuccess"`
}

// Default business codes (docs/crm.md: assumptions, the sandbox's codes).
const (
	DefaultCodePointNotEnough  = "POINT_NOT_ENOUGH"
	DefaultCodeFreezeNotFound  = "FREEZE_NOT_FOUND"
	DefaultCodeFreezeNotEnough = "FREEZE_NOT_ENOUGH"
	DefaultCodeSuccess         = "SUCCESS"
)

// DefaultCodes is the mapping used when none is configured.
func DefaultCodes() Codes {
	return Codes{
		PointNotEnough:  []string{DefaultCodePointNotEnough},
		FreezeNotFound:  []string{DefaultCodeFreezeNotFound},
		FreezeNotEnough: []string{DefaultCodeFreezeNotEnough},
		Success:         []string{DefaultCodeSuccess},
		WithoutSuccess:  WithoutSuccessApplied,
	}
}

// MeaningOf is the Meaning of code, MeaningNone when the mapping does not
// name it.
func (c Codes) MeaningOf(code string) Meaning {
	switch {
	case code == "":
		return MeaningNone
	case slices.Contains(c.PointNotEnough, code):
		return PointNotEnough
	case slices.Contains(c.FreezeNotFound, code):
		return FreezeNotFound
	case slices.Contains(c.FreezeNotEnough, code):
		return FreezeNotEnough
	}
	return MeaningNone
}

// IsSuccess reports whether code is one of c.Success.
func (c Codes) IsSuccess(code string) bool { return code != "" && slices.Contains(c.Success, code) }

// ReadsCode reports whether an answer without a `success` field is read by
// its code (WithoutSuccessReadCode) rather than taken as applied.
func (c Codes) ReadsCode() bool { return c.WithoutSuccess == WithoutSuccessReadCode }

// codeList is one list of c, named as in a codes file.
type codeList struct {
	key   string
	codes []string
}

func (c Codes) lists() []codeList {
	return []codeList{
		{string(PointNotEnough), c.PointNotEnough},
		{string(FreezeNotFound), c.FreezeNotFound},
		{string(FreezeNotEnough), c.FreezeNotEnough},
		{"success", c.Success},
	}
}

// Problems lists what is wrong with c, one line each, naming the key of a
// codes file at fault: an empty code, one the client could never see (it
// keeps a code on one line of at most MaxCodeChars characters), a code
// listed twice, a code under two meanings (success counting as one), and a
// WithoutSuccess that is neither value. Nil when c is usable.
func (c Codes) Problems() []string {
	var problems []string
	owner := map[string]string{}
	for _, l := range c.lists() {
		seen := map[string]bool{}
		for _, code := range l.codes {
			switch {
			case strings.TrimSpace(code) == "":
				problems = append(problems, fmt.Sprintf("%s: a code is empty", l.key))
				continue
			case safetext.Line(code, MaxCodeChars) != code:
				problems = append(problems, fmt.Sprintf("%s: code %q can never match: an answer's code is kept on one line, trimmed, "+
					"of at most %d characters", l.key, code, MaxCodeChars))
				continue
			case seen[code]:
				problems = append(problems, fmt.Sprintf("%s: code %q is listed twice", l.key, code))
				continue
			}
			seen[code] = true
			if other, ok := owner[code]; ok {
				problems = append(problems, fmt.Sprintf("code %q is under both %s and %s: a code has one meaning", code, other, l.key))
				continue
			}
			owner[code] = l.key
		}
	}
	switch c.WithoutSuccess {
	case "", WithoutSuccessApplied, WithoutSuccessReadCode:
	default:
		problems = append(problems, fmt.Sprintf("withoutSuccess: %q is not %q or %q", c.WithoutSuccess, WithoutSuccessApplied, WithoutSuccessReadCode))
	}
	return problems
}

// String is the mapping on one line, for the worker's log and the probe's
// report: every list and how an answer without `success` is read.
func (c Codes) String() string {
	var b strings.Builder
	for _, l := range c.lists() {
		fmt.Fprintf(&b, "%s=[%s] ", l.key, strings.Join(l.codes, ","))
	}
	ws := c.WithoutSuccess
	if ws == "" {
		ws = WithoutSuccessApplied
	}
	b.WriteString("withoutSuccess=" + string(ws))
	return b.String()
}
