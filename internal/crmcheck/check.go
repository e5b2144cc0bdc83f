// Package crmcheck is `starter crm-check` without its command line: a
// scripted conformance sequence against a CRM, on a test member and a tiny
// amount, that says for every answer what kylin-points concludes from it
// under the current codes mapping and whether that is right, settles every
// freeze it made before it returns, and derives a codes file from what it
// saw (docs/crm.md, Checking your CRM).
package crmcheck

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
)

// Bounds of one check.
const (
	// maxAttempts is how often one step is sent when its outcome stays
	// unknown, under the same token, as kylin-points retries.
	maxAttempts = 3
	// maxRetryWait bounds the wait between attempts, Retry-After included.
	maxRetryWait = 2 * time.Second
	// CleanupTimeout bounds the settling of what the check froze, after
	// the sequence ended or was interrupted.
	CleanupTimeout = 2 * time.Minute
)

// Check is one run of the conformance sequence. Run it once.
type Check struct {
	// Client calls the CRM with the worker's settings. Run sends through a
	// copy whose transport records the raw answers.
	Client *crm.Client
	// Codes is the mapping the conclusions are drawn under, the worker's.
	Codes crm.Codes
	// MemberID is the test member, Points the amount (crm-check caps it).
	MemberID string
	Points   float64
	// BalancePath is the CRM's signed balance query, "" for none: the
	// check then cannot tell a replay from a second effect by the balance.
	BalancePath string
	// RunID starts every token (NewRunID).
	RunID string
	// OnStep, when set, hears every step as it ends: the human report
	// prints it at once.
	OnStep func(StepResult)
}

// run is one Check running.
type run struct {
	*Check
	rec                    *recorder
	client, forged, skewed *crm.Client
	// answers are the first answers by step name, for replays.
	answers map[string]answer
	// made lists the freezes the CRM said it applied.
	made  map[string]bool
	holds holdings
	// spent is what the consumes the CRM proved applied took, in
	// hundredths; maySpend what those read as applied without proof may have.
	spent, maySpend int64
	report          Report
}

// Run runs the sequence, then settles every freeze it made, or may have
// made, with ctx's end or without (Ctrl-C stops the sequence, never the
// settling, which CleanupTimeout bounds). The report says what stays
// frozen, if anything could not be settled.
func (c *Check) Run(ctx context.Context) (rep Report) {
	r := c.start()
	defer func() {
		r.finish(ctx)
		rep = r.report
	}()
	if c.BalancePath != "" {
		r.balanceStep(ctx, stepBalanceBefore, nil)
	}
	for _, s := range script(c.RunID, c.Points) {
		if ctx.Err() != nil {
			r.report.Interrupted = true
			return
		}
		if !r.runStep(ctx, s) {
			return
		}
	}
	return
}

func (c *Check) start() *run {
	rec := &recorder{base: crm.NewTransport()}
	client := *c.Client
	client.HTTPClient = &http.Client{Transport: rec}
	client.Logger = nil
	client.Codes = &c.Codes
	forged, skewed := client, client
	forged.Secret = client.Secret + "-not-the-secret"
	now := client.Now
	if now == nil {
		now = time.Now
	}
	skewed.Now = func() time.Time { return now().Add(clockOffset) }
	return &run{
		Check: c, rec: rec, client: &client, forged: &forged, skewed: &skewed,
		answers: map[string]answer{}, made: map[string]bool{},
		report: Report{RunID: c.RunID, BaseURL: client.BaseURL, MemberID: c.MemberID, Points: c.Points,
			Codes: c.Codes.String(), Steps: []StepResult{}, LeftFrozen: []Held{}},
	}
}

// finish settles what the check may hold, reads the balance again, and
// completes the report. It runs even if the sequence panicked.
func (r *run) finish(ctx context.Context) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CleanupTimeout)
	defer cancel()
	r.cleanup(cctx)
	if r.BalancePath != "" && ctx.Err() == nil && r.report.Unreachable == "" {
		r.balanceStep(cctx, stepBalanceAfter, r.firstBalance())
	}
	r.report.Interrupted = r.report.Interrupted || ctx.Err() != nil
	r.report.LeftFrozen = append(r.holds.left(), r.report.LeftFrozen...)
	r.report.counts()
}

// runStep sends one step, judges it and tracks its effect. It returns
// false when the check cannot go on: the first freeze found the CRM
// unreachable or refusing the check's credentials.
func (r *run) runStep(ctx context.Context, s step) bool {
	if needsFreeze(s) && !r.made[s.freeze] {
		r.record(StepResult{Step: s.name, Op: s.op, Token: s.token, FreezeToken: freezeTokenOf(s), Points: s.points,
			Conclusion: "freeze " + s.freeze + " was not applied", Verdict: VerdictSkipped, kind: s.kind})
		return true
	}
	frozenBefore, haveBefore := r.frozenIfRepeat(ctx, s)
	a, attempts := r.send(ctx, r.clientFor(s), s)
	rd := readOf(a.err, r.Codes)
	again := r.repeatOf(ctx, s, a, frozenBefore, haveBefore)
	j := judge(s, a, rd, r.Codes, again)
	if _, seen := r.answers[s.name]; !seen {
		r.answers[s.name] = a
	}
	r.track(s, a, rd, attempts, again)
	r.record(r.result(s, a, attempts, rd.says(s.op), j))
	if s.name == stepFreeze {
		if why := unreachable(a, rd); why != "" {
			r.report.Unreachable = why
			return false
		}
	}
	return true
}

// needsFreeze reports whether s acts on a freeze the check makes first.
func needsFreeze(s step) bool {
	switch s.kind {
	case kindNever, kindForged, kindSkewed, kindCleanup, kindBalance:
		return false
	}
	return !(s.kind == kindFresh && s.op == crm.OpFreeze)
}

// unreachable is why the first freeze's answer means the check cannot run.
func unreachable(a answer, rd reading) string {
	switch {
	case rd.kind == readInvalid:
		return "the CRM client refused the request: " + a.message
	case rd.kind == readUnknown && a.status == 0:
		return "the CRM could not be reached: " + a.message
	case rd.kind == readRefused && (a.status == http.StatusUnauthorized || a.status == http.StatusForbidden):
		return fmt.Sprintf("the CRM refused the check's credentials (HTTP %d: %s): check KYLIN_CRM_SERVICE_NAME, the secret, "+
			"the member type and the clock", a.status, a.message)
	}
	return ""
}

// clientFor is the client a step is sent with: a wrong secret or a clock
// 10 minutes ahead for the steps that test the gateway.
func (r *run) clientFor(s step) *crm.Client {
	switch s.kind {
	case kindForged:
		return r.forged
	case kindSkewed:
		return r.skewed
	}
	return r.client
}

// send sends s, again under the same token while its outcome stays
// unknown (at most maxAttempts times), and returns the last answer and the
// number of attempts; the answer is unsent only when no attempt could
// connect. A request under way is never cut short by ctx: its answer says
// what the CRM did.
func (r *run) send(ctx context.Context, cl *crm.Client, s step) (answer, int) {
	unsent := true
	for attempt := 1; ; attempt++ {
		start := time.Now()
		res, err := r.call(context.WithoutCancel(ctx), cl, s)
		a := newAnswer(res, err, r.rec.take(), time.Since(start))
		unsent = unsent && a.unsent
		a.unsent = unsent
		ce, _ := errors.AsType[*crm.Error](err)
		if ce == nil || ce.Class != crm.ClassTransient || attempt == maxAttempts || ctx.Err() != nil {
			return a, attempt
		}
		wait := min(max(ce.RetryAfter, time.Duration(attempt)*250*time.Millisecond), maxRetryWait)
		select {
		case <-ctx.Done():
			return a, attempt
		case <-time.After(wait):
		}
	}
}

// call sends one request of s.
func (r *run) call(ctx context.Context, cl *crm.Client, s step) (crm.Result, error) {
	req := crm.Request{MemberID: r.MemberID, Description: "kylin-points crm-check " + r.RunID, Points: s.points, FreezeToken: freezeTokenOf(s)}
	switch s.op {
	case crm.OpFreeze:
		return cl.Freeze(ctx, s.token, req)
	case crm.OpRelease:
		return cl.Release(ctx, s.token, req)
	case crm.OpConsume:
		return cl.Consume(ctx, s.token, req)
	}
	return cl.Query(ctx, r.BalancePath, map[string]string{"memberId": r.MemberID, "memberType": cmp.Or(cl.MemberType, crm.DefaultMemberType)})
}

// freezeTokenOf is the freeze a settlement names, "" for a freeze.
func freezeTokenOf(s step) string {
	if s.op == crm.OpRelease || s.op == crm.OpConsume {
		return s.freeze
	}
	return ""
}

// repeatOf says whether a replay or conflict had a second effect: by the
// balance when the check can read it, else by the answer.
func (r *run) repeatOf(ctx context.Context, s step, a answer, frozenBefore float64, haveBefore bool) repeat {
	if s.kind != kindReplay && s.kind != kindConflict {
		return repeatReplayed
	}
	if haveBefore {
		if after, ok := r.frozenNow(ctx); ok {
			if crm.Hundredths(after) > crm.Hundredths(frozenBefore) {
				return repeatAppliedAgain
			}
			return repeatReplayed
		}
	}
	first := r.answers[s.first]
	if a.marker || (len(a.body) > 0 && bytes.Equal(a.body, first.body)) {
		return repeatReplayed
	}
	return repeatUnsure
}

// track records what a step may have frozen or settled.
func (r *run) track(s step, a answer, rd reading, attempts int, again repeat) {
	refused := rd.kind == readBusiness || rd.kind == readInvalid || (rd.kind == readRefused && attempts == 1) || a.unsent
	replayed := (s.kind == kindReplay || s.kind == kindConflict) && again == repeatReplayed
	switch {
	case s.op == crm.OpFreeze:
		repeats := s.kind == kindReplay || s.kind == kindConflict
		if refused || (replayed && rd.kind != readUnknown) || (rd.kind == readRefused && repeats) {
			return
		}
		proven := rd.kind == readApplied && a.provesApplied(r.Codes)
		if rd.kind == readApplied && s.kind == kindFresh {
			r.made[s.freeze] = true
		}
		r.holds.froze(s.freeze, s.points, proven && again != repeatUnsure)
	case replayed && rd.kind == readApplied:
	case a.provesApplied(r.Codes):
		r.holds.settled(s.freeze, s.points)
		if s.op == crm.OpConsume {
			r.spent += crm.Hundredths(s.points)
		}
	case !refused:
		r.holds.doubt(s.freeze)
		if s.op == crm.OpConsume && rd.kind == readApplied {
			r.maySpend += crm.Hundredths(s.points)
		}
	}
}

// cleanup releases what every freeze of the check may still hold, one
// amount at a time under tokens <freeze>-cleanup-N, until the CRM proves
// the release applied or says the freeze holds nothing more. What it
// cannot settle stays in the holdings, for the report.
func (r *run) cleanup(ctx context.Context) {
	for _, h := range r.holds.order {
		r.settle(ctx, h)
	}
}

// settle releases what h may hold, Points at a time. A release read as
// applied only because its answer has no `success` does not prove it: the
// check then releases once more, until the CRM says the freeze holds no
// more. It stops at the first answer that proves neither, leaving h with
// what it may still hold.
func (r *run) settle(ctx context.Context, h *holding) {
	unit := crm.Hundredths(r.Points)
	var unproven int64
	for n := 1; (h.mayHold > 0 || unproven > 0) && n <= int(h.mayHold/unit)+2 && ctx.Err() == nil; n++ {
		s := step{name: stepCleanup, op: crm.OpRelease, token: fmt.Sprintf("%s-cleanup-%d", h.freeze, n), freeze: h.freeze,
			points: r.Points, kind: kindCleanup}
		a, attempts := r.send(ctx, r.client, s)
		rd := readOf(a.err, r.Codes)
		switch {
		case a.saysNoFreeze(r.Codes):
			h.mayHold, unproven = 0, 0
			r.record(r.result(s, a, attempts, "the CRM holds no more points under the freeze: settled", ok()))
			continue
		case a.provesApplied(r.Codes):
			r.record(r.result(s, a, attempts, "released", ok()))
		case rd.kind == readApplied:
			unproven += min(unit, h.mayHold)
			r.record(r.result(s, a, attempts, "released, by an answer without success", note("not proof: the check releases "+
				"again until the CRM says the freeze holds no more")))
		default:
			r.record(r.result(s, a, attempts, rd.says(s.op), unknown("the check could not settle this freeze")))
			h.mayHold += unproven
			return
		}
		h.mayHold = max(0, h.mayHold-unit)
	}
	h.mayHold += unproven
}

// result renders a step's answer and judgement.
func (r *run) result(s step, a answer, attempts int, conclusion string, j judgement) StepResult {
	return StepResult{
		Step: s.name, Op: s.op, Token: s.token, FreezeToken: freezeTokenOf(s), Points: s.points,
		Status: a.status, Success: a.success, Code: a.code, Message: a.message,
		LatencyMs: round1(float64(a.latency.Microseconds()) / 1000), Attempts: attempts, Replayed: a.marker,
		Conclusion: conclusion, Verdict: j.verdict, Note: j.note, kind: s.kind,
		bare: a.ok2xx() && a.status != http.StatusNoContent && a.success == nil && a.code == "" &&
			(a.err == nil || errors.Is(a.err, crm.ErrNoSuccessField)),
	}
}

// record adds a step to the report and tells OnStep.
func (r *run) record(s StepResult) {
	r.report.Steps = append(r.report.Steps, s)
	if r.OnStep != nil {
		r.OnStep(s)
	}
}
