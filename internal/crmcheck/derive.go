package crmcheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kylinpoints/kylin-points/crm"
)

// observed gathers the codes a report saw, by what the steps asked.
type observed struct {
	// notFound are the codes of refusals naming a freeze never made;
	// settled those naming a freeze settled in full; success those of
	// requests applied.
	notFound, settled, success []string
	// from names the steps each list came from.
	from map[string][]string
	// bareApplied is true when a request was applied with a 200 or 201
	// without `success` and without a code: only withoutSuccess = "applied"
	// reads such an answer right.
	bareApplied bool
}

func (o *observed) add(list *[]string, key, code, step string) {
	if code == "" {
		return
	}
	if !slices.Contains(*list, code) {
		*list = append(*list, code)
	}
	if !slices.Contains(o.from[key], step) {
		o.from[key] = append(o.from[key], step)
	}
}

// observe reads the raw answers of rep: a 2xx not saying success is a
// refusal (with or without a `success` field); a 2xx on a request that
// should apply is a success when it says so, or when it has no `success`
// and a code that current does not give a meaning.
func observe(rep Report, current crm.Codes) observed {
	o := observed{from: map[string][]string{}}
	for _, s := range rep.Steps {
		if s.Status < 200 || s.Status > 299 || s.Verdict == VerdictSkipped {
			continue
		}
		says := func(b bool) bool { return s.Success != nil && *s.Success == b }
		switch {
		case (s.kind == kindNever) && !says(true):
			o.add(&o.notFound, string(crm.FreezeNotFound), s.Code, s.Step)
		case s.kind == kindSettled && !says(true):
			o.add(&o.settled, string(crm.FreezeNotEnough), s.Code, s.Step)
		case (s.kind == kindFresh || s.kind == kindReplay) && !says(false):
			o.bareApplied = o.bareApplied || s.bare
			if says(true) || current.MeaningOf(s.Code) == crm.MeaningNone {
				o.add(&o.success, "success", s.Code, s.Step)
			}
		}
	}
	return o
}

// DeriveCodes is the codes mapping rep shows, starting from current: the
// codes the CRM refused a freeze never made with become freezeNotFound,
// those of a settled freeze (when they differ) freezeNotEnough, those of
// applied requests success; withoutSuccess is "code" unless an applied
// answer had neither `success` nor a code. What the check cannot see (the
// code of too few points, above all) keeps current's value, less any code
// the check saw meaning something else. comments say which is which, for
// the head of a TOML file.
func DeriveCodes(rep Report, current crm.Codes) (crm.Codes, []string) {
	o := observe(rep, current)
	out := crm.Codes{
		PointNotEnough:  slices.Clone(current.PointNotEnough),
		FreezeNotFound:  slices.Clone(current.FreezeNotFound),
		FreezeNotEnough: slices.Clone(current.FreezeNotEnough),
		Success:         slices.Clone(current.Success),
		WithoutSuccess:  crm.WithoutSuccessReadCode,
	}
	comments := []string{
		fmt.Sprintf("written by starter crm-check, run %s against %s", rep.RunID, rep.BaseURL),
		"keys: docs/crm.md, Checking your CRM; give this file to the worker as KYLIN_CRM_CODES_FILE",
	}
	seen := map[string]bool{}
	set := func(key string, list *[]string, codes []string) {
		if len(codes) == 0 {
			return
		}
		*list = slices.Clone(codes)
		seen[key] = true
		comments = append(comments, fmt.Sprintf("%s: seen in %s", key, strings.Join(o.from[key], ", ")))
	}
	set(string(crm.FreezeNotFound), &out.FreezeNotFound, o.notFound)
	var notEnough []string
	for _, c := range o.settled {
		if !slices.Contains(o.notFound, c) {
			notEnough = append(notEnough, c)
		}
	}
	set(string(crm.FreezeNotEnough), &out.FreezeNotEnough, notEnough)
	if len(o.settled) > 0 && len(notEnough) == 0 {
		comments = append(comments, "freezeNotEnough: not seen: the CRM answered a settled freeze like one it never held; kept from the mapping")
	}
	set("success", &out.Success, o.success)
	if o.bareApplied {
		out.WithoutSuccess = crm.WithoutSuccessApplied
		comments = append(comments, "withoutSuccess: applied, as the CRM answered an applied request with neither success nor a code")
	} else {
		comments = append(comments, "withoutSuccess: code, so that an answer without success is read by its code, never taken as applied")
	}
	// A code the check saw in one list leaves every list it did not see.
	var observedCodes []string
	for _, l := range [][]string{o.notFound, notEnough, o.success} {
		observedCodes = append(observedCodes, l...)
	}
	for key, list := range map[string]*[]string{
		string(crm.PointNotEnough): &out.PointNotEnough, string(crm.FreezeNotFound): &out.FreezeNotFound,
		string(crm.FreezeNotEnough): &out.FreezeNotEnough, "success": &out.Success,
	} {
		if !seen[key] {
			*list = slices.DeleteFunc(*list, func(c string) bool { return slices.Contains(observedCodes, c) })
		}
	}
	comments = append(comments, "pointNotEnough: the check cannot see it (it never asks for more points than the member has): "+
		"kept from the mapping; ask the CRM's owner")
	return out, comments
}
