package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/workflows"
)

// The workflows schedule the activities by method value (the compiler
// checks the methods exist); what a history records is the name the SDK
// derives from the method. The constants of package activities must be
// those names: a history, the replay test and the other teams' tools read
// them.
func TestScheduledActivitiesAreRecordedUnderTheirConstants(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testID, nil)
	var mu sync.Mutex
	scheduled := map[string]bool{}
	record := func(info *activity.Info) {
		mu.Lock()
		defer mu.Unlock()
		scheduled[info.ActivityType.Name] = true
	}
	h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) { record(info) })
	h.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) { record(info) })

	// A confirm for part of the points runs every activity: Prepare, Freeze,
	// Consume and, for the rest, Release.
	h.updateWith(workflows.UpdateConfirm, "u1", time.Minute, workflows.ConfirmRequest{Points: 2})
	st, err := h.redeem(redemptionRequest())
	require.NoError(t, err)
	require.Equal(t, workflows.StateConsumed, st.State, st.Error)

	require.Equal(t, map[string]bool{
		activities.PrepareName: true,
		activities.FreezeName:  true,
		activities.ConsumeName: true,
		activities.ReleaseName: true,
	}, scheduled)
}
