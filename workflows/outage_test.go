package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

// outageCRM is the fake CRM down for one operation until a point in the
// workflows' (test) time: every call of op before it fails with down.
type outageCRM struct {
	*fakeCRM
	op    string
	until time.Time
	down  error
	now   func() time.Time
}

func (o *outageCRM) Release(ctx context.Context, token string, req crm.Request) (crm.Result, error) {
	if o.op == crm.OpRelease && o.now().Before(o.until) {
		o.fakeCRM.note(crm.OpRelease, token, req)
		return crm.Result{}, o.down
	}
	return o.fakeCRM.Release(ctx, token, req)
}

func (o *outageCRM) Consume(ctx context.Context, token string, req crm.Request) (crm.Result, error) {
	if o.op == crm.OpConsume && o.now().Before(o.until) {
		o.fakeCRM.note(crm.OpConsume, token, req)
		return crm.Result{}, o.down
	}
	return o.fakeCRM.Consume(ctx, token, req)
}

// A decision carried out through a CRM outage of months keeps trying under
// the same tokens and keeps its status, continuing as new before its history
// grows long, never terminated by the server's history limit.
func TestMonthsLongOutageContinuesAsNew(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates months of retries (about a minute); runs without -short")
	}
	t.Parallel()
	// Two months; under the race detector, which slows the test environment
	// several times over, ten days: still several runs.
	outage, minRuns := 60*24*time.Hour, 20
	if raceDetector {
		outage, minRuns = 10*24*time.Hour, 3
	}
	tests := []struct {
		name     string
		op       string
		down     error
		decide   string
		want     workflows.State
		decision string
	}{
		{"consume through a CRM that does not answer", crm.OpConsume, transient(crm.OpConsume), workflows.UpdateConfirm,
			workflows.StateConsumed, workflows.DecisionConfirm},
		{"release through a CRM that refuses our credentials", crm.OpRelease, rejected(crm.OpRelease, 401, "UNAUTHORIZED"), workflows.UpdateCancel,
			workflows.StateReleased, workflows.DecisionCancel},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeCRM(nil)
			var clock struct {
				sync.Mutex
				now time.Time
			}
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			crmDown := &outageCRM{fakeCRM: f, op: tc.op, until: start.Add(time.Hour + outage), down: tc.down, now: func() time.Time {
				clock.Lock()
				defer clock.Unlock()
				return clock.now
			}}
			req := redemptionRequest()
			req.HoldSeconds = int64(time.Hour / time.Second)
			var (
				runs     int
				statuses []workflows.RedemptionStatus
				final    workflows.RedemptionStatus
			)
			for {
				runs++
				require.LessOrEqual(t, runs, 200, "the runs end")
				h := newHarnessWith(t, testID, f, &activities.Activities{CRM: crmDown})
				if runs == 1 {
					h.env.SetStartTime(start)
					h.update(tc.decide, "u1", time.Minute)
				} else {
					h.env.SetStartTime(clock.now)
					// As the server does for a run that continued another.
					h.env.SetContinuedExecutionRunID(fmt.Sprintf("run-%d", runs-1))
					// A repeat of the decision reaches the new run: answered.
					h.update(tc.decide, "u1", time.Minute)
				}
				attempts := 0
				h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
					attempts++
					clock.Lock()
					clock.now = h.env.Now()
					clock.Unlock()
				})
				h.env.ExecuteWorkflow(workflows.RedemptionWorkflowName, req)
				require.True(t, h.env.IsWorkflowCompleted())
				// One round is at most 10 attempts and 7 events (the
				// activity's three, a workflow task's three, an upsert):
				// far below the server's 51,200-event limit.
				require.LessOrEqual(t, attempts, 10*500+10, "run %d", runs)
				require.Less(t, 7*attempts/10, 51_200/10)
				err := h.env.GetWorkflowError()
				var next *workflow.ContinueAsNewError
				if errors.As(err, &next) {
					require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(next.Input, &req))
					require.NotNil(t, req.Resume, "the next run carries on")
					statuses = append(statuses, req.Resume.Status)
					continue
				}
				require.NoError(t, err)
				require.NoError(t, h.env.GetWorkflowResult(&final))
				break
			}
			require.Greater(t, runs, minRuns, "the retries span many runs")
			t.Logf("%s of outage: %d runs", outage, runs)
			for i, st := range statuses {
				require.Equal(t, statuses[0].FrozenAt, st.FrozenAt, "run %d keeps the status", i+2)
				require.Equal(t, tc.decision, st.Decision)
				require.Equal(t, token(workflows.StepFreeze), st.FreezeToken)
			}
			require.Equal(t, tc.want, final.State, final.Error)
			require.Equal(t, tc.decision, final.Decision)
			require.Equal(t, statuses[0].FrozenAt, final.FrozenAt)
			require.Greater(t, final.SettledAt.Sub(final.FrozenAt), outage, "settled once the outage ended")
			for _, op := range []string{crm.OpFreeze, crm.OpRelease, crm.OpConsume} {
				for _, tok := range f.calls(op) {
					require.Equal(t, token(op), tok, "every %s under its one token, in every run", op)
				}
			}
			want := "consumed"
			if tc.want == workflows.StateReleased {
				want = "released"
			}
			require.Equal(t, want, f.state(token(workflows.StepFreeze)), "settled once")
		})
	}
}
