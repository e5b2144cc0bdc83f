package workflows

import (
	"context"
	"fmt"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/kylinpoints/kylin-points/internal/search"
)

// Listed is one run a visibility query found, as its search attributes
// describe it (no worker is asked).
type Listed struct {
	WorkflowID string
	RunID      string
	Type       string
	// State, Points, Member and HoldUntil are the run's search attributes;
	// empty when it upserts none (started before they existed, or with
	// KYLIN_SEARCH_ATTRIBUTES=false).
	State     State
	Points    float64
	Member    string
	HoldUntil time.Time
	StartedAt time.Time
	// Closed is true once the run has ended.
	Closed bool
}

// List returns up to limit runs of namespace that f selects, newest first,
// with their search attributes. f.Types empty means the kylin-points
// workflows.
func List(ctx context.Context, c client.Client, namespace string, f search.Filter, limit int) ([]Listed, error) {
	if len(f.Types) == 0 {
		f.Types = []string{RedemptionWorkflowName, FreezePointsWorkflowName}
	}
	var out []Listed
	var page []byte
	for len(out) < limit {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, PageSize: int32(min(limit-len(out), 1000)), NextPageToken: page, Query: f.Query(),
		})
		if err != nil {
			return out, fmt.Errorf("listing workflows (%s): %w", f.Query(), err)
		}
		for _, e := range resp.GetExecutions() {
			l := Listed{
				WorkflowID: e.GetExecution().GetWorkflowId(),
				RunID:      e.GetExecution().GetRunId(),
				Type:       e.GetType().GetName(),
				StartedAt:  e.GetStartTime().AsTime(),
				Closed:     e.GetCloseTime() != nil,
			}
			fields := e.GetSearchAttributes().GetIndexedFields()
			var state string
			decodeAttribute(fields, search.State.GetName(), &state)
			l.State = State(state)
			decodeAttribute(fields, search.Points.GetName(), &l.Points)
			decodeAttribute(fields, search.Member.GetName(), &l.Member)
			decodeAttribute(fields, search.HoldUntil.GetName(), &l.HoldUntil)
			out = append(out, l)
		}
		if page = resp.GetNextPageToken(); len(page) == 0 {
			break
		}
	}
	return out, nil
}

// decodeAttribute reads search attribute name into v, leaving it as it is
// when absent or unreadable (search attributes are never codec-encoded).
func decodeAttribute(fields map[string]*commonpb.Payload, name string, v any) {
	if p, ok := fields[name]; ok {
		_ = converter.GetDefaultDataConverter().FromPayload(p, v)
	}
}
