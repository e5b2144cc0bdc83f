package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/workflows"
)

// A run whose start gave every attribute of its first state (as
// workflows.Redeem does) leaves that upsert out; one whose start gave
// none, or another member than the worker writes, upserts FREEZING as
// before. Every later state is upserted either way.
func TestFirstStateUpsertedOnlyWhenTheStartLacksIt(t *testing.T) {
	t.Parallel()
	req := redemptionRequest()
	startWith := func(member string) []temporal.SearchAttributeUpdate {
		return []temporal.SearchAttributeUpdate{search.State.ValueSet(string(workflows.StateFreezing)),
			search.Points.ValueSet(req.Points), search.Member.ValueSet(member)}
	}
	tests := []struct {
		name  string
		start []temporal.SearchAttributeUpdate
		want  []string
	}{
		{"no attributes at the start", nil, []string{"FREEZING", "FROZEN", "CONSUMING", "CONSUMED"}},
		{"all of them at the start", startWith(req.MemberID), []string{"FROZEN", "CONSUMING", "CONSUMED"}},
		{"another member at the start", startWith("someone-else"), []string{"FREEZING", "FROZEN", "CONSUMING", "CONSUMED"}},
		{"other points at the start", []temporal.SearchAttributeUpdate{search.State.ValueSet(string(workflows.StateFreezing)),
			search.Points.ValueSet(req.Points + 1), search.Member.ValueSet(req.MemberID)}, []string{"FREEZING", "FROZEN", "CONSUMING", "CONSUMED"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeCRM(nil)
			h := newHarnessWith(t, testID, f, &activities.Activities{CRM: f,
				Search: activities.Search{Enabled: true, MemberMode: search.MemberRaw}})
			if tc.start != nil {
				require.NoError(t, h.env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(tc.start...)))
			}
			var states []string
			h.env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
				sa := args.Get(0).(temporal.SearchAttributes)
				if s, ok := sa.GetKeyword(search.State); ok {
					states = append(states, s)
				}
			})
			h.update(workflows.UpdateConfirm, "u1", time.Minute)
			st, err := h.redeem(req)
			require.NoError(t, err)
			require.Equal(t, workflows.StateConsumed, st.State)
			require.Equal(t, tc.want, states)
		})
	}
}
