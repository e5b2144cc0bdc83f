package metrics

import "go.temporal.io/sdk/client"

// Name and tag of the redemptions-by-final-state counter.
const (
	RedemptionsCounter = "kylin_redemptions_total"
	StateTag           = "state"
)

// RecordRedemption counts one redemption that reached its final state. In a
// workflow pass workflow.GetMetricsHandler(ctx): that handler skips replays,
// so each redemption counts once, and it adds the SDK's namespace,
// task_queue and workflow_type labels. Always call it with handlers of the
// same kind, since one Prometheus name cannot carry two label sets.
func RecordRedemption(h client.MetricsHandler, state string) {
	h.WithTags(map[string]string{StateTag: state}).Counter(RedemptionsCounter).Inc(1)
}
