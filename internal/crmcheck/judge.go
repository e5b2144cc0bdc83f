package crmcheck

import (
	"fmt"
	"net/http"

	"github.com/kylinpoints/kylin-points/crm"
)

// Verdicts of a step: whether what kylin-points concludes from the answer
// is right.
const (
	// VerdictOK: the CRM answered as kylin-points assumes, and kylin-points
	// reads the answer right.
	VerdictOK = "ok"
	// VerdictNote: the CRM differs from what docs/crm.md assumes, but
	// kylin-points still reads the answer right; the note says how.
	VerdictNote = "note"
	// VerdictWrong: kylin-points would conclude something false from this
	// answer (points it says are free stay frozen, a refusal it reads as
	// applied, ...).
	VerdictWrong = "wrong"
	// VerdictUnknown: kylin-points cannot conclude anything from this
	// answer: it retries, or leaves the points for a person.
	VerdictUnknown = "unknown"
	// VerdictSkipped: the step did not run; the conclusion says why.
	VerdictSkipped = "skipped"
)

// judgement is a step's conclusion and verdict.
type judgement struct {
	verdict, note string
}

func ok() judgement              { return judgement{verdict: VerdictOK} }
func note(n string) judgement    { return judgement{verdict: VerdictNote, note: n} }
func wrong(n string) judgement   { return judgement{verdict: VerdictWrong, note: n} }
func unknown(n string) judgement { return judgement{verdict: VerdictUnknown, note: n} }
func okWith(n string) judgement  { return judgement{verdict: VerdictOK, note: n} }

// repeat is what the check knows of a replay's (or conflict's) effect.
type repeat int

const (
	// repeatReplayed: the answer or the balance shows the first answer
	// replayed, no second effect.
	repeatReplayed repeat = iota
	// repeatAppliedAgain: the balance shows a second effect.
	repeatAppliedAgain
	// repeatUnsure: a 2xx the check cannot tell from a second effect.
	repeatUnsure
)

// judge says whether kylin-points, reading a of step s as r under codes,
// concludes the truth the step sets up. again is what the check knows of a
// replay's effect.
func judge(s step, a answer, r reading, codes crm.Codes, again repeat) judgement {
	if r.kind == readUnknown {
		return unknown("a settlement that never gets an answer is left for a person")
	}
	if r.kind == readInvalid {
		return unknown("the client refused to send the request: " + a.message)
	}
	switch s.kind {
	case kindFresh:
		return judgeFresh(s, a, r, codes)
	case kindReplay:
		return judgeReplay(s, r, again)
	case kindConflict:
		return judgeConflict(r, again)
	case kindSettled:
		return judgeRefusal(s, a, r, codes, crm.FreezeNotEnough)
	case kindNever:
		return judgeRefusal(s, a, r, codes, crm.FreezeNotFound)
	case kindForged, kindSkewed:
		return judgeGate(s, a, r)
	}
	return ok()
}

// judgeFresh: the request should be applied.
func judgeFresh(s step, a answer, r reading, codes crm.Codes) judgement {
	switch r.kind {
	case readApplied:
		if !a.provesApplied(codes) {
			return okWith("the answer has no success field; kylin-points reads it as applied (withoutSuccess = \"applied\")")
		}
		return ok()
	case readRefused:
		return unknown(fmt.Sprintf("the CRM refused a request it should apply (HTTP %d)", r.status))
	}
	if s.op == crm.OpFreeze {
		if r.meaning == crm.PointNotEnough {
			return note("the member has too few points for this freeze: grant the test member at least twice --points")
		}
		return note("the CRM refused a new freeze; kylin-points reads it as FAILED with nothing frozen, which a business refusal proves")
	}
	if s.op == crm.OpRelease && r.meaning == crm.FreezeNotFound {
		return wrong("the freeze holds the points, yet kylin-points would read \"nothing to release\" and say they are free")
	}
	return unknown("the CRM refused to settle a freeze that holds the points")
}

// judgeReplay: the request was applied before; the CRM should replay.
func judgeReplay(s step, r reading, again repeat) judgement {
	switch r.kind {
	case readApplied:
		switch again {
		case repeatAppliedAgain:
			return wrong("the CRM applied the same request a second time (the balance shows it): a retry after a lost answer would " +
				s.op + " twice; kylin-points reads it as the first answer")
		case repeatUnsure:
			return unknown("the same status and code, but neither the same body nor a replay marker: the CRM may have applied it " +
				"again (give --balance-path to tell)")
		}
		return ok()
	case readRefused:
		return unknown(fmt.Sprintf("the CRM refuses a retry of an applied request (HTTP %d): kylin-points then cannot tell "+
			"whether the first went through, and undoes a freeze or leaves a settlement for a person", r.status))
	}
	switch {
	case s.op == crm.OpRelease && r.meaning == crm.FreezeNotFound:
		return note("the CRM answers a retried release afresh rather than replaying it; \"nothing to release\" is still true")
	case s.op == crm.OpRelease:
		return unknown("the CRM answers a retried release afresh with a refusal: kylin-points leaves the points for a person")
	}
	return wrong(fmt.Sprintf("the %s was applied, yet its retry is a business refusal: kylin-points would take it as proof "+
		"that nothing was applied", s.op))
}

// judgeConflict: the token again with another body should be refused.
func judgeConflict(r reading, again repeat) judgement {
	switch r.kind {
	case readRefused:
		if r.status != http.StatusConflict {
			return okWith(fmt.Sprintf("refused with HTTP %d rather than 409; kylin-points never sends another body under a token", r.status))
		}
		return ok()
	case readBusiness:
		return okWith("refused as a business answer rather than 409; kylin-points never sends another body under a token")
	}
	switch again {
	case repeatAppliedAgain:
		return wrong("the CRM froze again under a token it had used, for another amount (the balance shows it)")
	case repeatUnsure:
		return unknown("the CRM accepted the token with another amount, with an answer unlike the first: it may have frozen " +
			"again (give --balance-path to tell)")
	}
	return note("the CRM replays the first answer and ignores the new amount: kylin-points never reuses a token with another body")
}

// judgeRefusal: the settlement should be refused with a code of meaning want.
func judgeRefusal(s step, a answer, r reading, codes crm.Codes, want crm.Meaning) judgement {
	switch r.kind {
	case readApplied:
		if a.success == nil && a.ok2xx() && a.code != "" && !codes.IsSuccess(a.code) {
			return wrong(fmt.Sprintf("the answer has no success field, so kylin-points reads this refusal (code %q) as applied: "+
				"the codes file needs withoutSuccess = \"code\" and the CRM's success codes", a.code))
		}
		if s.kind == kindNever {
			return wrong("the CRM applied a " + s.op + " of a freeze that was never made")
		}
		return wrong("the CRM applied a " + s.op + " of a freeze already settled in full")
	case readRefused:
		return unknown(fmt.Sprintf("HTTP %d is not a business answer: kylin-points takes no proof from it; map the CRM's code "+
			"in a 2xx answer, or ask the CRM's owner for one", r.status))
	}
	switch {
	case r.meaning == want:
		return ok()
	case r.meaning == crm.MeaningNone:
		return unknown(fmt.Sprintf("kylin-points leaves such a %s for a person; map the code under %s if that is what it means",
			s.op, want))
	case want == crm.FreezeNotEnough && r.meaning == crm.FreezeNotFound:
		return note("this CRM answers a settled freeze like one it never held: after a consume whose answer was lost, " +
			"kylin-points cannot tell whether it went through, and says so")
	case want == crm.FreezeNotFound && r.meaning == crm.FreezeNotEnough:
		return wrong("kylin-points reads this code as \"the freeze was settled by another step\", but no freeze was ever made")
	}
	return unknown(fmt.Sprintf("code %q means %s in the mapping, which does not fit a %s", r.code, r.meaning, s.op))
}

// judgeGate: a forged or skewed request should be refused.
func judgeGate(s step, a answer, r reading) judgement {
	switch r.kind {
	case readRefused:
		if r.status != http.StatusUnauthorized && r.status != http.StatusForbidden {
			return okWith(fmt.Sprintf("refused with HTTP %d rather than 401", r.status))
		}
		return ok()
	case readBusiness:
		return okWith("refused as a business answer rather than 401")
	}
	if s.kind == kindSkewed {
		return note(fmt.Sprintf("the CRM accepts a clock %s off (docs/crm.md assumed ±5 minutes); the check releases the freeze", clockOffset))
	}
	return wrong("the CRM does not check the signature: anyone who can reach it can move points; the check releases the freeze")
}
