package workflows_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

// A freeze is named by its workflow ID and the step its caller gives: no
// count kept by the process, so no replay or new run can renumber it.
func TestFreezeStepIsNamedByTheCaller(t *testing.T) {
	t.Parallel()
	tests := []struct {
		step   string
		want   string // the freeze's step, "" when refused
		errHas string
	}{
		{step: "", want: workflows.StepFreeze},
		{step: "freeze", want: workflows.StepFreeze},
		{step: workflows.FreezeStep(2), want: "freeze/2"},
		{step: "freeze/deposit", want: "freeze/deposit"},
		{step: "freeze/a.b-c_D9", want: "freeze/a.b-c_D9"},
		{step: "freeze/" + strings.Repeat("x", 64), want: "freeze/" + strings.Repeat("x", 64)},
		{step: "release", errHas: `is not "freeze" or "freeze/<name>"`},
		{step: "Freeze", errHas: `is not "freeze" or "freeze/<name>"`},
		{step: "freeze/", errHas: "must be 1 to 64 characters"},
		{step: "freeze/" + strings.Repeat("x", 65), errHas: "must be 1 to 64 characters"},
		{step: "freeze/rest", errHas: "is reserved"},
		{step: "freeze/a/b", errHas: "may hold letters, digits"},
		{step: "freeze/ä", errHas: "may hold letters, digits"},
		{step: "freeze/a b", errHas: "may hold letters, digits"},
	}
	for _, tc := range tests {
		t.Run(tc.step, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, nil)
			req := freezeRequest()
			req.Step = tc.step
			h.env.ExecuteWorkflow(workflows.FreezePointsWorkflowName, req)
			require.True(t, h.env.IsWorkflowCompleted())
			err := h.env.GetWorkflowError()
			if tc.errHas != "" {
				require.ErrorContains(t, err, tc.errHas)
				require.Equal(t, activities.ErrInvalidInput, workflows.ErrorType(err))
				require.Empty(t, h.crm.calls(crm.OpFreeze), "refused before any CRM call")
				return
			}
			require.NoError(t, err)
			var res workflows.FreezeResult
			require.NoError(t, h.env.GetWorkflowResult(&res))
			require.Equal(t, tc.want, res.Step)
			require.Equal(t, token(tc.want), res.FreezeToken)
			require.Equal(t, []string{token(tc.want)}, h.crm.calls(crm.OpFreeze))
		})
	}
}

// The same step is the same freeze, by design: asked twice in one run, the
// CRM answers the second from its record and freezes the points once.
func TestSameStepIsTheSameFreeze(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testID, nil)
	h.env.RegisterWorkflowWithOptions(func(ctx workflow.Context) ([]workflows.FreezeResult, error) {
		first, err := workflows.FreezePoints(ctx, freezeRequest())
		if err != nil {
			return nil, err
		}
		again, err := workflows.FreezePoints(ctx, freezeRequest())
		return []workflows.FreezeResult{first, again}, err
	}, workflow.RegisterOptions{Name: "FreezeTwiceUnderOneStep"})
	h.env.ExecuteWorkflow("FreezeTwiceUnderOneStep")
	require.NoError(t, h.env.GetWorkflowError())
	var res []workflows.FreezeResult
	require.NoError(t, h.env.GetWorkflowResult(&res))
	require.Equal(t, res[0].FreezeToken, res[1].FreezeToken)
	require.Equal(t, []string{token(workflows.StepFreeze), token(workflows.StepFreeze)}, h.crm.calls(crm.OpFreeze))
	require.Equal(t, int64(500), h.crm.held(token(workflows.StepFreeze)), "5 points frozen once")
}

// A workflow that continues as new keeps its workflow ID, so its steps name
// its freezes across runs: a new step in the new run is a new freeze, with
// its own tokens; the same step is the freeze it already holds.
func TestFreezeAfterContinueAsNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		steps   []string
		freezes []string // the freeze steps the CRM holds at the end
		held    int64    // hundredths frozen in all
	}{
		{"another step is another freeze", []string{"freeze", "freeze/after-can"}, []string{"freeze", "freeze/after-can"}, 1000},
		{"the same step is the same freeze", []string{"freeze/deposit", "freeze/deposit"}, []string{"freeze/deposit"}, 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeCRM(nil)
			var held []workflows.FreezeResult
			steps := tc.steps
			for run := 1; ; run++ {
				require.LessOrEqual(t, run, len(tc.steps), "one run per step")
				h := newHarnessWith(t, testID, f, &activities.Activities{CRM: f})
				registerCallers(h.env)
				h.env.ExecuteWorkflow(freezeAcrossRunsName, steps, held)
				require.True(t, h.env.IsWorkflowCompleted())
				err := h.env.GetWorkflowError()
				var next *workflow.ContinueAsNewError
				if errors.As(err, &next) {
					// The next run's input, as the server would start it.
					steps, held = tc.steps[run:], nil
					require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(next.Input, &steps, &held))
					continue
				}
				require.NoError(t, err)
				require.NoError(t, h.env.GetWorkflowResult(&held))
				break
			}
			require.Len(t, held, len(tc.steps))
			var total int64
			for _, step := range tc.freezes {
				require.Equal(t, "frozen", f.state(token(step)), step)
				total += f.held(token(step))
			}
			require.Equal(t, tc.held, total)
			for i, res := range held {
				require.Equal(t, token(tc.steps[i]), res.FreezeToken, "run %d", i+1)
			}
		})
	}
}
