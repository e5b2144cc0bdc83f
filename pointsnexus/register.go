package pointsnexus

import (
	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/workflows"
)

// NewService is the "points" service with all its operations, for
// worker.RegisterNexusService on the worker that runs the workflows (the
// operations start and query them on the worker's own client, namespace and
// task queue).
func NewService(opts ...ServiceOption) *nexus.Service {
	var set serviceSettings
	for _, o := range opts {
		o(&set)
	}
	s := nexus.NewService(ServiceName)
	s.MustRegister(
		freezeOperation(set),
		redeemOperation(set),
		confirmOperation(),
		cancelOperation(),
		statusOperation(),
		settleOperation(OpRelease, workflows.ReleasePointsWorkflowName),
		settleOperation(OpConsume, workflows.ConsumePointsWorkflowName),
	)
	return s
}

// A ServiceOption adds to how NewService's operations start runs.
type ServiceOption func(*serviceSettings)

type serviceSettings struct {
	// attributes says to give freeze and redeem runs their first search
	// attributes at the start; shownMember makes the Member attribute of a
	// member ID.
	attributes  bool
	shownMember func(memberID string) string
}

// WithStartAttributes has the freeze and redeem operations start their runs
// with the first search attributes workflows.Redeem and Freeze give
// (KylinState FREEZING, KylinPoints, and KylinMember as shownMember makes it
// of the member ID, "" for none): a run whose start holds what its first
// state would upsert leaves that upsert out, one billable action less on
// Temporal Cloud. For a worker whose namespace has the attributes
// (KYLIN_SEARCH_ATTRIBUTES on), with shownMember its own rule
// (config.Search.ShownMember); without this option the runs start with none
// and upsert their first state, as before.
func WithStartAttributes(shownMember func(memberID string) string) ServiceOption {
	return func(s *serviceSettings) {
		s.attributes = true
		s.shownMember = shownMember
	}
}

// member is the workflows.StartOption giving memberID's Member attribute,
// when the service gives attributes and shows members.
func (s serviceSettings) member(memberID string) []workflows.StartOption {
	if !s.attributes || s.shownMember == nil {
		return nil
	}
	return []workflows.StartOption{workflows.WithMember(s.shownMember(memberID))}
}

// shown returns so with its search attributes left out unless the service
// gives them.
func (s serviceSettings) shown(so client.StartWorkflowOptions) client.StartWorkflowOptions {
	if !s.attributes {
		so.TypedSearchAttributes = temporal.SearchAttributes{}
	}
	return so
}
