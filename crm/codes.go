package crm

import "slices"

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

// Codes maps the CRM's business codes to their Meaning. The zero value maps
// nothing; DefaultCodes is what kylin-points assumes of the CRM.
type Codes struct {
	PointNotEnough  []string `json:"pointNotEnough,omitempty"`
	FreezeNotFound  []string `json:"freezeNotFound,omitempty"`
	FreezeNotEnough []string `json:"freezeNotEnough,omitempty"`
}

// Default business codes (docs/crm.md: assumptions, the sandbox's codes).
const (
	DefaultCodePointNotEnough  = "POINT_NOT_ENOUGH"
	DefaultCodeFreezeNotFound  = "FREEZE_NOT_FOUND"
	DefaultCodeFreezeNotEnough = "FREEZE_NOT_ENOUGH"
)

// DefaultCodes is the mapping used when none is configured.
func DefaultCodes() Codes {
	return Codes{
		PointNotEnough:  []string{DefaultCodePointNotEnough},
		FreezeNotFound:  []string{DefaultCodeFreezeNotFound},
		FreezeNotEnough: []string{DefaultCodeFreezeNotEnough},
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
