package startercli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/workflows"
)

// Needs a person (docs/operations.md, Points that need a person): the
// redemptions waiting in ATTENTION, and the Updates that settle them.

var (
	flagNote = flagSpec{"note", "TEXT", "what you found and did at the CRM (required), recorded in the run's history",
		func(in *input) *string { return &in.note }}
	flagBy = flagSpec{"by", "WHO", "who resolves it, recorded with the note before the client's identity (default: the client's identity only)",
		func(in *input) *string { return &in.by }}
	flagAttentionMember = flagSpec{"member", "ID", "only this member's runs (written as the workers write it: see KYLIN_MEMBER_SEARCH)",
		func(in *input) *string { return &in.member }}
)

var attentionCommand = &command{
	name:    "attention",
	usage:   "starter attention [--member ID] [--older-than DURATION] [--limit N]",
	summary: "list the runs whose points need a person (ATTENTION)",
	details: "Lists the runs waiting in ATTENTION (redemptions, standalone freezes and their settlements), found\n" +
		"by their search attributes: a release that could not be carried out left their points (possibly) frozen. One line each with the points, since\n" +
		"when and why (asked of the run: a worker answers; without one, why is unknown) and the Web UI link;\n" +
		"with --json one JSON object a line. Settle each with starter retry or starter resolve. Exit 0 when\n" +
		"the list could be read, whatever it holds.",
	flags: []flagSpec{flagAttentionMember, flagOlderThan, flagLimit},
	check: func(in input) (request, []string) {
		req, problems := checkList(input{member: in.member, olderThan: in.olderThan, limit: in.limit})
		req.state = string(workflows.StateAttention)
		return req, problems
	},
	run: (*App).attention,
}

var retryCommand = &command{
	name:    "retry",
	usage:   "starter retry --id WORKFLOW_ID",
	summary: "settle a run in ATTENTION again now, same tokens",
	details: "Sends the retry Update to a run (redemption, freeze or settlement) waiting in ATTENTION (after the credentials were fixed,\n" +
		"for example): it settles again under the same tokens and answers after that attempt. Exit 0 when it\n" +
		"ended (CONSUMED, RELEASED, or FAILED with nothing frozen); 1 when it waits in ATTENTION again (the\n" +
		"points may still be held), is not in ATTENTION, or cannot be reached.",
	flags: []flagSpec{flagID},
	check: checkID,
	run:   (*App).retry,
}

var resolveCommand = &command{
	name:    "resolve",
	usage:   "starter resolve --id WORKFLOW_ID --note TEXT [--by WHO]",
	summary: "record that a person settled a run in ATTENTION at the CRM",
	details: "Sends the resolve Update to a run (redemption, freeze or settlement) waiting in ATTENTION, once you have checked the CRM and\n" +
		"settled its points there: the run ends RESOLVED with your note and identity (the client's identity,\n" +
		"after --by when given), recorded in its history. Exit 0 when it is RESOLVED (a repeat of the same\n" +
		"note included); 1 when it is not in ATTENTION, or cannot be reached.",
	flags: []flagSpec{flagID, flagNote, flagBy},
	check: checkResolve,
	run:   (*App).resolve,
}

// checkResolve checks --id, --note and --by.
func checkResolve(in input) (request, []string) {
	req, problems := checkID(in)
	req.note, req.by = strings.TrimSpace(in.note), strings.TrimSpace(in.by)
	if req.note == "" {
		problems = append(problems, "--note is required: what you found and did at the CRM")
	}
	for name, v := range map[string]string{"--note": req.note, "--by": req.by} {
		if problem := checkText(name, v, 1000); problem != "" {
			problems = append(problems, problem)
		}
	}
	return req, problems
}

// attention lists the redemptions waiting in ATTENTION, oldest wait first
// as visibility returns them (newest start first), with why.
func (a *App) attention(ctx context.Context, req request) outcome {
	f, problem := a.filter("attention", workflows.ParkingWorkflows, string(workflows.StateAttention), req)
	if problem != "" {
		return outcome{isList: true, problem: problem}
	}
	runs, err := workflows.List(ctx, a.Client, a.Namespace, f, req.limit)
	if err != nil {
		return outcome{isList: true, problem: workflows.Reason(err)}
	}
	out := outcome{isList: true, list: make([]Report, 0, len(runs))}
	for _, l := range runs {
		r := Report{WorkflowID: l.WorkflowID, RunID: l.RunID, State: string(l.State), Points: l.Points,
			FreezeToken: workflows.BusinessToken(l.WorkflowID, workflows.StepFreeze), Stranded: strandedPossible}
		started := l.StartedAt
		r.StartedAt = &started
		if !l.Closed {
			if st, err := a.query(ctx, l.WorkflowID, l.RunID); err == nil && st.State == workflows.StateAttention {
				q := reportOf(st, l.RunID)
				r.Attention, r.Stranded, r.Error = q.Attention, q.Stranded, q.Error
				if q.Attention != nil && q.Attention.FreezeToken != "" {
					r.FreezeToken = q.Attention.FreezeToken // a settlement's ID is not its freeze's
				}
			} else if err != nil {
				r.Error = "why unknown: " + workflows.Reason(err)
			}
		} else {
			r.Error = "the run was closed (terminated?) while it waited: its points may still be held; settle them at the CRM"
		}
		switch {
		case a.Search.MemberMode == search.MemberRaw:
			r.MemberID = l.Member
		case req.member != "":
			r.MemberID = req.member
		}
		if r.Attention != nil && r.MemberID == "" && a.Search.MemberMode == search.MemberRaw {
			r.MemberID = r.Attention.MemberID
		}
		out.list = append(out.list, r)
	}
	return out
}

// retry sends the retry Update and says where it led.
func (a *App) retry(ctx context.Context, req request) outcome {
	st, runID, err := workflows.Retry(ctx, a.Client, req.id)
	if sid, ok := a.settlementWaiting(ctx, req.id, err); ok {
		req.id = sid
		st, runID, err = workflows.Retry(ctx, a.Client, sid)
	}
	if err != nil {
		return a.attentionRefused(ctx, workflows.UpdateRetry, req.id, err)
	}
	f := found{status: st, runID: runID, typ: workflows.RedemptionWorkflowName}
	out := outcome{report: f.report()}
	switch {
	case st.State == workflows.StateAttention:
		return attentionProblem(f)
	case !st.State.Terminal():
		out.problem = fmt.Sprintf("%s: still settling (%s) after the retry, through a long outage; starter status --id %s tells how it ends",
			req.id, st.State, req.id)
	}
	return out
}

// resolve sends the resolve Update with the note and who sent it.
func (a *App) resolve(ctx context.Context, req request) outcome {
	who := a.identity()
	if req.by != "" {
		who = req.by + " via " + who
	}
	st, runID, err := workflows.Resolve(ctx, a.Client, req.id, workflows.ResolveRequest{Note: req.note, Identity: who})
	if sid, ok := a.settlementWaiting(ctx, req.id, err); ok {
		req.id = sid
		st, runID, err = workflows.Resolve(ctx, a.Client, sid, workflows.ResolveRequest{Note: req.note, Identity: who})
	}
	if err == nil {
		return outcome{report: reportOf(st, runID)}
	}
	out := a.attentionRefused(ctx, workflows.UpdateResolve, req.id, err)
	if res := out.report.Resolution; out.report.State == string(workflows.StateResolved) && res != nil && res.Note == req.note {
		// A repeat of the resolve that ended it.
		out.problem, out.report.Error = "", ""
	}
	return out
}

// attentionRefused says why a retry or resolve did not act.
func (a *App) attentionRefused(ctx context.Context, update, id string, err error) outcome {
	if ctx.Err() != nil {
		msg := fmt.Sprintf("%s %s: stopped waiting (%v); starter status --id %s tells how it ends", update, id, ctx.Err(), id)
		return outcome{report: Report{WorkflowID: id, Error: msg}, problem: msg}
	}
	f, lerr := a.lookup(ctx, id)
	switch {
	case errors.Is(lerr, errNotFound):
		return notFound(id, a.Namespace)
	case lerr != nil:
		msg := fmt.Sprintf("%s %s: %s", update, id, workflows.Reason(err))
		return outcome{report: Report{WorkflowID: id, Error: msg}, problem: msg}
	case !slices.Contains(workflows.ParkingWorkflows, f.typ):
		msg := fmt.Sprintf("cannot %s %s: it is a %s, which never waits for a person", update, id, f.typ)
		return outcome{report: withError(f.report(), msg), problem: msg}
	case f.stranded != nil:
		return strandedProblem(f)
	}
	msg := fmt.Sprintf("cannot %s %s: %s is %s, not waiting for a person", update, id, kindOf(f.typ), f.status.State)
	if _, ok := workflows.NotInAttention(err); ok || workflows.ErrorType(err) != "" {
		msg = fmt.Sprintf("%s: %s", id, workflows.Reason(err))
	}
	return outcome{report: withError(f.report(), msg), problem: msg}
}

// attentionProblem is the answer about a redemption waiting in ATTENTION:
// its points may be held until a person retries or resolves it; exit 1.
func attentionProblem(f found) outcome {
	r := f.report()
	since, why := "", f.status.Error
	if a := f.status.Attention; a != nil {
		since, why = " since "+a.Since.UTC().Format(time.RFC3339), a.Why
	}
	msg := fmt.Sprintf("%s: points may stay frozen under token %s: the %s waits in ATTENTION for a person%s "+
		"(starter retry --id %s, or starter resolve --id %s --note TEXT once settled at the CRM): %s",
		r.WorkflowID, r.FreezeToken, kindOf(f.typ), since, r.WorkflowID, r.WorkflowID, why)
	r.Error = msg
	return outcome{report: r, problem: msg}
}

// settlementWaiting says, after an Update to id failed with err other than
// NotInAttention, whether id is a standalone freeze that has ended and
// whose settlement (its ID) waits for a person: starter release and
// consume name the freeze, and the settlement is what waits.
func (a *App) settlementWaiting(ctx context.Context, id string, err error) (string, bool) {
	if err == nil || ctx.Err() != nil || workflows.ErrorType(err) == workflows.ErrNotInAttention {
		return "", false
	}
	f, lerr := a.lookup(ctx, id)
	if lerr != nil || !f.isFreeze() || f.freeze == nil || f.status.State != workflows.StateAttention {
		return "", false
	}
	return workflows.SettlementID(id), true
}

// kindOf names a run of workflow type typ for people.
func kindOf(typ string) string {
	switch typ {
	case workflows.FreezePointsWorkflowName:
		return "freeze"
	case workflows.ReleasePointsWorkflowName, workflows.ConsumePointsWorkflowName:
		return "settlement"
	}
	return "redemption"
}

// identity is the Temporal client identity the starter sends Updates with.
func (a *App) identity() string {
	if a.Identity != "" {
		return a.Identity
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%d@%s", os.Getpid(), cmp.Or(host, "unknown-host"))
}

// ageOf says how long ago t was, in whole seconds or more.
func ageOf(t time.Time) string {
	return time.Since(t).Round(time.Second).String() + " ago"
}
