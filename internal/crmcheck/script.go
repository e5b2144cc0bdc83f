package crmcheck

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
)

// kind is what a step asks of the CRM, and so what the right answer is.
type kind int

const (
	// kindFresh: a new request on a freeze that holds its points; it
	// should be applied.
	kindFresh kind = iota
	// kindReplay: the same request under the same token again; it should
	// get the first answer, with no second effect.
	kindReplay
	// kindConflict: the token again with another amount; it should be
	// refused with no effect (409).
	kindConflict
	// kindSettled: a release or consume of a freeze settled in full; it
	// should be refused: the freeze holds fewer points.
	kindSettled
	// kindNever: a release or consume naming a freeze never made; it should
	// be refused: no such freeze.
	kindNever
	// kindForged: a freeze signed with a wrong secret; it should be refused.
	kindForged
	// kindSkewed: a freeze stamped 10 minutes ahead; it should be refused.
	kindSkewed
	// kindCleanup: a release of what the check may still hold.
	kindCleanup
	// kindBalance: a read of the member's balance.
	kindBalance
)

// step is one request of the sequence.
type step struct {
	name string
	op   string
	// token is the request's X-Business-Token; freeze is the freeze it
	// makes or settles.
	token, freeze string
	points        float64
	kind          kind
	// first names the step whose answer a replay or conflict repeats.
	first string
	// why is the step's purpose, for --help and the docs.
	why string
}

// Step names that the rest of the check refers to.
const (
	stepFreeze        = "freeze"
	stepRelease       = "release"
	stepConsumePart   = "consume-part"
	stepBalanceBefore = "balance-before"
	stepBalanceAfter  = "balance-after"
	stepCleanup       = "cleanup"
)

// clockOffset is how far the skewed step's clock is ahead.
const clockOffset = 10 * time.Minute

// NewRunID names a run: the time and 4 random bytes, e.g.
// crm-check-20261205T121159-3fa9c1d2. Every token of the run starts with
// it, so a person can find them in the CRM.
func NewRunID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "crm-check-" + now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// script is the conformance sequence of run id with amount p: it freezes
// at most 2p at a time and consumes p, if the CRM behaves.
func script(id string, p float64) []step {
	f1, f2, none := id+"-f1", id+"-f2", id+"-none"
	pp := crm.PointsFromHundredths(2 * crm.Hundredths(p))
	return []step{
		{name: stepFreeze, op: crm.OpFreeze, token: f1, freeze: f1, points: p, kind: kindFresh,
			why: "a new freeze"},
		{name: "freeze-replay", op: crm.OpFreeze, token: f1, freeze: f1, points: p, kind: kindReplay, first: stepFreeze,
			why: "the same freeze again under its token: the first answer again, nothing frozen twice?"},
		{name: "freeze-other-amount", op: crm.OpFreeze, token: f1, freeze: f1, points: pp, kind: kindConflict, first: stepFreeze,
			why: "the same token with another amount: refused (409), nothing frozen?"},
		{name: stepRelease, op: crm.OpRelease, token: f1 + "-release", freeze: f1, points: p, kind: kindFresh,
			why: "release of the freeze"},
		{name: "release-replay", op: crm.OpRelease, token: f1 + "-release", freeze: f1, points: p, kind: kindReplay, first: stepRelease,
			why: "the same release again: the first answer again?"},
		{name: "consume-released", op: crm.OpConsume, token: f1 + "-consume", freeze: f1, points: p, kind: kindSettled,
			why: "consume of the released freeze: refused, and with which code?"},
		{name: "freeze-2", op: crm.OpFreeze, token: f2, freeze: f2, points: pp, kind: kindFresh,
			why: "a second freeze, of twice the amount"},
		{name: stepConsumePart, op: crm.OpConsume, token: f2 + "-consume", freeze: f2, points: p, kind: kindFresh,
			why: "consume of half of it"},
		{name: "release-rest", op: crm.OpRelease, token: f2 + "-release", freeze: f2, points: p, kind: kindFresh,
			why: "release of the rest"},
		{name: "consume-replay", op: crm.OpConsume, token: f2 + "-consume", freeze: f2, points: p, kind: kindReplay, first: stepConsumePart,
			why: "the same consume again: the first answer again, nothing consumed twice?"},
		{name: "consume-settled", op: crm.OpConsume, token: f2 + "-consume-again", freeze: f2, points: p, kind: kindSettled,
			why: "a new consume of the settled freeze: refused, and with which code?"},
		{name: "release-after-consume", op: crm.OpRelease, token: f2 + "-release-again", freeze: f2, points: p, kind: kindSettled,
			why: "a new release of the consumed freeze: refused, and with which code?"},
		{name: "release-never-frozen", op: crm.OpRelease, token: none + "-release", freeze: none, points: p, kind: kindNever,
			why: "release of a token never frozen: refused, and with which code?"},
		{name: "consume-never-frozen", op: crm.OpConsume, token: none + "-consume", freeze: none, points: p, kind: kindNever,
			why: "consume of a token never frozen: refused, and with which code?"},
		{name: "bad-signature", op: crm.OpFreeze, token: id + "-badsig", freeze: id + "-badsig", points: p, kind: kindForged,
			why: "a freeze signed with a wrong secret: refused (401)?"},
		{name: "clock-10m-off", op: crm.OpFreeze, token: id + "-clock", freeze: id + "-clock", points: p, kind: kindSkewed,
			why: "a freeze stamped 10 minutes ahead: refused (401)?"},
		{name: "freeze-replay-late", op: crm.OpFreeze, token: f1, freeze: f1, points: p, kind: kindReplay, first: stepFreeze,
			why: "the first freeze again, after every other step: does the CRM still remember its token?"},
	}
}

// Steps describes the sequence for --help and the docs: one line per
// step, its name and what it asks.
func Steps() []string {
	var out []string
	out = append(out, stepBalanceBefore+": the member's balance, when --balance-path names the CRM's balance query")
	for _, s := range script("RUN", 0.01) {
		out = append(out, s.name+": "+s.why)
	}
	out = append(out, stepCleanup+": release of whatever the check may still hold, one amount at a time",
		stepBalanceAfter+": the balance again: nothing more frozen, only the partial consume spent?")
	return out
}
