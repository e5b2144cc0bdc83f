package startercli

import (
	"context"
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
	workflows.StateReleasing, workflows.StateReleased, workflows.StateFailed}

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

// list prints the runs the filters select, from their search attributes.
func (a *App) list(ctx context.Context, req request) outcome {
	f := search.Filter{Types: req.types, State: req.state}
	if req.member != "" {
		if f.Member = a.Search.MemberValue(req.member); f.Member == "" {
			msg := fmt.Sprintf("list --member needs the member hash key file the workers use (%s), or %s=%s when the workers store member IDs as they are (the dev stack does)",
				config.MemberHashKeyFile.Env, config.MemberSearch.Env, search.MemberRaw)
			return outcome{isList: true, problem: msg}
		}
	}
	if req.olderThan > 0 {
		f.StartedBefore = time.Now().Add(-req.olderThan)
	}
	found, err := workflows.List(ctx, a.Client, a.Namespace, f, req.limit)
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
		out.list = append(out.list, r)
	}
	return out
}
