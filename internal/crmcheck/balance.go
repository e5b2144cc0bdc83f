package crmcheck

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kylinpoints/kylin-points/crm"
)

// balance is what the CRM's balance query says, where it says it: the
// sandbox's answer has available, frozen and consumed in its data; a real
// CRM's may not, and then the check cannot compare.
type balance struct {
	Available *float64 `json:"available"`
	Frozen    *float64 `json:"frozen"`
	Consumed  *float64 `json:"consumed"`
}

func (b balance) readable() bool { return b.Available != nil && b.Frozen != nil }

// queryBalance reads the member's balance, once (a read changes nothing).
func (r *run) queryBalance(ctx context.Context) (answer, balance) {
	s := step{name: "balance", op: "balance", kind: kindBalance}
	a, _ := r.send(ctx, r.client, s)
	var b balance
	if a.err == nil {
		_ = json.Unmarshal(a.res.Data, &b)
	}
	return a, b
}

// balanceStep reads the balance as a step of the report; with before, it
// compares: nothing more frozen, and available down by what the check's
// consumes took.
func (r *run) balanceStep(ctx context.Context, name string, before *balance) {
	a, b := r.queryBalance(ctx)
	s := step{name: name, op: "balance", kind: kindBalance}
	if a.err != nil {
		r.record(r.result(s, a, 1, readOf(a.err, r.Codes).says("balance"), unknown("the balance query failed")))
		return
	}
	r.answers[name] = a
	if !b.readable() {
		r.record(r.result(s, a, 1, "answered; its data has no available and frozen fields to compare", note("compare the balances by hand")))
		return
	}
	conclusion := fmt.Sprintf("available %s, frozen %s", crm.FormatPoints(*b.Available), crm.FormatPoints(*b.Frozen))
	if before == nil || !before.readable() {
		r.record(r.result(s, a, 1, conclusion, ok()))
		return
	}
	frozen := crm.Hundredths(*b.Frozen) - crm.Hundredths(*before.Frozen)
	spent := crm.Hundredths(*before.Available) - crm.Hundredths(*b.Available)
	var tracked int64
	for _, h := range r.holds.left() {
		tracked += crm.Hundredths(h.Points)
	}
	switch {
	case frozen > tracked:
		more := crm.PointsFromHundredths(frozen - tracked)
		r.report.LeftFrozen = append(r.report.LeftFrozen, Held{Points: more})
		r.record(r.result(s, a, 1, conclusion, wrong(fmt.Sprintf("%s points more are frozen than before the check, "+
			"under tokens it cannot name (or the member was used meanwhile)", crm.FormatPoints(more)))))
	case frozen > 0:
		r.record(r.result(s, a, 1, conclusion, unknown("more is frozen than before the check: what it could not settle")))
	case spent >= r.spent && spent <= r.spent+r.maySpend && spent != r.spent:
		r.record(r.result(s, a, 1, conclusion, note(fmt.Sprintf("available went down by %s: consumes read as applied without "+
			"proof took it", crm.FormatPoints(crm.PointsFromHundredths(spent))))))
	case spent != r.spent:
		r.record(r.result(s, a, 1, conclusion, unknown(fmt.Sprintf("available went down by %s, the check's consumes took %s "+
			"(or the member was used meanwhile)", crm.FormatPoints(crm.PointsFromHundredths(spent)),
			crm.FormatPoints(crm.PointsFromHundredths(r.spent))))))
	default:
		r.record(r.result(s, a, 1, conclusion+fmt.Sprintf(": as before but the %s consumed", crm.FormatPoints(crm.PointsFromHundredths(r.spent))), ok()))
	}
}

// firstBalance is the balance read before the sequence, nil when none.
func (r *run) firstBalance() *balance {
	a, ok := r.answers[stepBalanceBefore]
	if !ok {
		return nil
	}
	var b balance
	if json.Unmarshal(a.res.Data, &b) != nil {
		return nil
	}
	return &b
}

// frozenIfRepeat reads the member's frozen points before a freeze that
// repeats a token, to tell a replay from a second freeze by the balance.
func (r *run) frozenIfRepeat(ctx context.Context, s step) (float64, bool) {
	if r.BalancePath == "" || s.op != crm.OpFreeze || (s.kind != kindReplay && s.kind != kindConflict) {
		return 0, false
	}
	return r.frozenNow(ctx)
}

// frozenNow is the member's frozen points, when the balance says.
func (r *run) frozenNow(ctx context.Context) (float64, bool) {
	a, b := r.queryBalance(ctx)
	if a.err != nil || !b.readable() {
		return 0, false
	}
	return *b.Frozen, true
}
