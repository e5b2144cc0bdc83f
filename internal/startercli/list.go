package startercli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/workflows"
)

// defaultListLimit is how many runs list prints without --limit.
const defaultListLimit = 100

// listTypes are the values of list --type.
var listTypes = map[string][]string{
	"redemption": {workflows.RedemptionWorkflowName},
	"freeze":     {workflows.FreezePointsWorkflowName},
	"all":        {workflows.RedemptionWorkflowName, workflows.FreezePointsWorkflowName},
}

var states = []workflows.State{workflows.StateFreezing, workflows.StateFrozen, workflows.StateConsuming, workflows.StateConsumed,
	workflows.StateReleasing, workflows.StateReleased, workflows.StateFailed, workflows.StateAttention, workflows.StateResolved}

// checkList checks list's filters.
func checkList(in input) (request, []string) {
	var problems []string
	req := request{member: strings.TrimSpace(in.member), limit: defaultListLimit, types: listTypes["redemption"]}
	if s := strings.ToUpper(strings.TrimSpace(in.state)); s != "" {
		if !slices.Contains(states, workflows.State(s)) {
			problems = append(problems, fmt.Sprintf("--state %q is not a state (%s)", in.state, stateNames()))
		}
		req.state = s
	}
	if req.member != "" {
		if err := validateMember(req.member); err != "" {
			problems = append(problems, err)
		}
	}
	if v := strings.TrimSpace(in.olderThan); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("--older-than %q is not a duration (e.g. 1h, 30m)", in.olderThan))
		case d <= 0:
			problems = append(problems, fmt.Sprintf("--older-than %q must be greater than 0", in.olderThan))
		default:
			req.olderThan = d
		}
	}
	if v := strings.TrimSpace(in.typ); v != "" {
		t, ok := listTypes[v]
		if !ok {
			problems = append(problems, fmt.Sprintf("--type %q is not redemption, freeze or all", in.typ))
		}
		req.types = t
	}
	if v := strings.TrimSpace(in.limit); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			problems = append(problems, fmt.Sprintf("--limit %q must be a whole number from 1 to 10000", in.limit))
		}
		req.limit = n
	}
	return req, problems
}

func stateNames() string {
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// filter is the visibility filter of types in state with req's --member
// and --older-than, or why --member cannot be searched for (cmd names the
// command in that line).
func (a *App) filter(cmd string, types []string, state string, req request) (search.Filter, string) {
	f := search.Filter{Types: types, State: state}
	if req.member != "" {
		if f.Member = a.Search.MemberValue(req.member); f.Member == "" {
			return f, fmt.Sprintf("%s --member needs the member hash key file the workers use (%s), or %s=%s when the workers store member IDs as they are (the dev stack does)",
				cmd, config.MemberHashKeyFile.Env, config.MemberSearch.Env, search.MemberRaw)
		}
	}
	if req.olderThan > 0 {
		f.StartedBefore = time.Now().Add(-req.olderThan)
	}
	return f, ""
}

// list prints the runs the filters select, from their search attributes.
func (a *App) list(ctx context.Context, req request) outcome {
	f, problem := a.filter("list", req.types, req.state, req)
	if problem != "" {
		return outcome{isList: true, problem: problem}
	}
	found, err := a.listRuns(ctx, f, req.limit)
	if err != nil {
		return outcome{isList: true, problem: workflows.Reason(err)}
	}
	out := outcome{isList: true, list: make([]Report, 0, len(found))}
	for _, l := range found {
		r := Report{WorkflowID: l.WorkflowID, RunID: l.RunID, State: string(l.State), Points: l.Points,
			FreezeToken: workflows.BusinessToken(l.WorkflowID, workflows.StepFreeze)}
		if a.Search.MemberMode == search.MemberRaw {
			r.MemberID = l.Member
		} else if req.member != "" {
			r.MemberID = req.member
		}
		started := l.StartedAt
		r.StartedAt = &started
		if !l.HoldUntil.IsZero() && l.State == workflows.StateFrozen {
			hold := l.HoldUntil
			r.HoldUntil = &hold
		}
		if r.State == "" {
			r.State = "UNKNOWN" // a run that upserts no search attributes
		}
		if l.Type == workflows.FreezePointsWorkflowName && l.State == workflows.StateFrozen {
			a.withSettlement(ctx, &r)
		}
		if req.state != "" && r.State != req.state {
			continue
		}
		if out.list = append(out.list, r); len(out.list) == req.limit {
			break
		}
	}
	return out
}

// listRuns lists the runs f selects. A freeze keeps KylinState FROZEN in
// visibility once its settlement (a workflow of its own) has released or
// consumed it, so where the state asked for may be a settlement's, the
// FROZEN freezes are listed too, for list to read their settlements.
func (a *App) listRuns(ctx context.Context, f search.Filter, limit int) ([]workflows.Listed, error) {
	if !slices.Contains(f.Types, workflows.FreezePointsWorkflowName) || !settlementState(workflows.State(f.State)) {
		return workflows.List(ctx, a.Client, a.Namespace, f, limit)
	}
	var found []workflows.Listed
	if others := slices.DeleteFunc(slices.Clone(f.Types), func(t string) bool { return t == workflows.FreezePointsWorkflowName }); len(others) > 0 {
		of := f
		of.Types = others
		runs, err := workflows.List(ctx, a.Client, a.Namespace, of, limit)
		if err != nil {
			return nil, err
		}
		found = runs
	}
	ff := f
	ff.Types, ff.State = []string{workflows.FreezePointsWorkflowName}, string(workflows.StateFrozen)
	freezes, err := workflows.List(ctx, a.Client, a.Namespace, ff, limit)
	if err != nil {
		return nil, err
	}
	found = append(found, freezes...)
	slices.SortStableFunc(found, func(x, y workflows.Listed) int { return y.StartedAt.Compare(x.StartedAt) })
	return found, nil
}

// settlementState reports whether a freeze in state s may be FROZEN in
// visibility: s is FROZEN, or a state its settlement reaches.
func settlementState(s workflows.State) bool {
	switch s {
	case workflows.StateFrozen, workflows.StateReleasing, workflows.StateReleased, workflows.StateConsuming, workflows.StateConsumed:
		return true
	}
	return false
}

// withSettlement shows a FROZEN freeze as its settlement (workflows.SettlementID)
// stands, when it has one: RELEASING, RELEASED, CONSUMING or CONSUMED, with
// the points it consumed and released, and whether they may stay frozen.
func (a *App) withSettlement(ctx context.Context, r *Report) {
	s, err := a.lookup(ctx, workflows.SettlementID(r.WorkflowID))
	switch {
	case errors.Is(err, errNotFound):
		return
	case err != nil:
		r.Error = fmt.Sprintf("reading its settlement %s: %s", workflows.SettlementID(r.WorkflowID), workflows.Reason(err))
		return
	case !s.isSettlement():
		return
	}
	settled := s.report()
	r.State, r.ConsumedPoints, r.ReleasedPoints = settled.State, settled.ConsumedPoints, settled.ReleasedPoints
	r.Stranded, r.Error = settled.Stranded, cmp.Or(settled.Error, s.failure)
	r.HoldUntil = nil
}
