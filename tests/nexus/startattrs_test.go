package nexus

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/workflows"
)

// requireStartedShown checks that run id, started through the Nexus service,
// started as workflows.Redeem and Freeze start theirs: at the cashier's
// priority, with its first search attributes (FREEZING, its points, the
// member the worker shows), and that it upserted no FREEZING of its own.
func requireStartedShown(ctx context.Context, t *testing.T, c client.Client, id string, points float64) {
	t.Helper()
	keyword := func(p *commonpb.Payload) string {
		var s string
		if p != nil {
			require.NoError(t, converter.GetDefaultDataConverter().FromPayload(p, &s))
		}
		return s
	}
	var startMember, shownMember string
	freezingUpserts := 0
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			a := e.GetWorkflowExecutionStartedEventAttributes()
			require.Equal(t, int32(workflows.PriorityCashier), a.GetPriority().GetPriorityKey(), "the cashier's priority")
			fields := a.GetSearchAttributes().GetIndexedFields()
			require.Equal(t, string(workflows.StateFreezing), keyword(fields[search.State.GetName()]), "the first state at the start")
			var got float64
			require.NoError(t, converter.GetDefaultDataConverter().FromPayload(fields[search.Points.GetName()], &got))
			require.Equal(t, points, got)
			startMember = keyword(fields[search.Member.GetName()])
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			fields := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
			if p, ok := fields[search.State.GetName()]; ok {
				if keyword(p) == string(workflows.StateFreezing) {
					freezingUpserts++
				}
				shownMember = keyword(fields[search.Member.GetName()])
			}
		}
	}
	require.Zero(t, freezingUpserts, "FREEZING was given at the start: no upsert repeats it")
	require.NotEmpty(t, startMember, "the member at the start")
	require.Equal(t, shownMember, startMember, "the member at the start is the one the worker shows later")
}
