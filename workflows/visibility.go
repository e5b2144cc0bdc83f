package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/search"
)

// show tells the Web UI where a run stands: its current details (what it
// waits for), and, when p says so, its search attributes, so that operators
// can ask which redemptions of a member are FROZEN, or what has been
// RELEASING for an hour. holdUntil is set while FROZEN.
func show(ctx workflow.Context, p prepared, s State, points float64, holdUntil time.Time, details string) {
	workflow.SetCurrentDetails(ctx, details)
	if !p.search {
		return
	}
	updates := []temporal.SearchAttributeUpdate{search.State.ValueSet(string(s)), search.Points.ValueSet(points)}
	if p.member != "" {
		updates = append(updates, search.Member.ValueSet(p.member))
	}
	if holdUntil.IsZero() {
		updates = append(updates, search.HoldUntil.ValueUnset())
	} else {
		updates = append(updates, search.HoldUntil.ValueSet(holdUntil))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("cannot upsert the search attributes", "error", err)
	}
}

// showFirst is show for a run's first state: the upsert is left out when
// the run's start already gave every attribute it would set (workflows.Redeem
// and Freeze give FREEZING's; any other first state is upserted), in runs
// whose prepare says the worker knows this (prepared.startShown; runs
// recorded before upserted their first state, and replay so).
func showFirst(ctx workflow.Context, p prepared, s State, points float64, details string) {
	if p.search && p.startShown && shownAtStart(ctx, p, s, points) {
		workflow.SetCurrentDetails(ctx, details)
		return
	}
	show(ctx, p, s, points, time.Time{}, details)
}

// shownAtStart reports whether the run's search attributes already hold
// what show would upsert for state s with no hold: the state, the points,
// the member when p shows one, and no hold time.
func shownAtStart(ctx workflow.Context, p prepared, s State, points float64) bool {
	sa := workflow.GetTypedSearchAttributes(ctx)
	state, _ := sa.GetKeyword(search.State)
	got, hasPoints := sa.GetFloat64(search.Points)
	if state != string(s) || !hasPoints || got != points || sa.ContainsKey(search.HoldUntil) {
		return false
	}
	if p.member == "" {
		return true
	}
	member, _ := sa.GetKeyword(search.Member)
	return member == p.member
}

// detailsOf is the one-line current details of a redemption in state s.
func detailsOf(st RedemptionStatus, holdUntil time.Time) string {
	amount := crm.FormatPoints(st.Points) + " points of member " + st.MemberID
	switch st.State {
	case StateFreezing:
		return fmt.Sprintf("FREEZING: freezing %s", amount)
	case StateFrozen:
		return fmt.Sprintf("FROZEN: %s held for confirm/cancel until %s", amount, holdUntil.UTC().Format("2006-01-02 15:04:05 UTC"))
	case StateConsuming:
		return fmt.Sprintf("CONSUMING: consuming %s", amount)
	case StateReleasing:
		return fmt.Sprintf("RELEASING: releasing %s", amount)
	case StateAttention, StateResolved:
		return attentionDetails(st)
	default:
		d := fmt.Sprintf("%s: %s", st.State, amount)
		if st.Error != "" {
			d += ": " + st.Error
		}
		return d
	}
}
