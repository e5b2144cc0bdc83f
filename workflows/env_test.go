package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/workflows"
)

const testID = "redeem-order-1"

func redemptionRequest() workflows.RedemptionRequest {
	return workflows.RedemptionRequest{MemberID: "m-1", Points: 5, Description: "mug from the points mall"}
}

// harness runs one workflow in the SDK's test environment against a fake CRM
// through the real activities.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment
	crm *fakeCRM
}

func newHarness(t *testing.T, workflowID string, script map[string]func(int) error) *harness {
	t.Helper()
	f := newFakeCRM(script)
	return newHarnessWith(t, workflowID, f, &activities.Activities{CRM: f})
}

// newHarnessWith is newHarness with the activities given (whose CRM is f).
func newHarnessWith(t *testing.T, workflowID string, f *fakeCRM, a *activities.Activities) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	workflows.Register(env, a)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflowID})
	// The default 1s deadlock detector trips when parallel tests under -race
	// share a loaded CI machine; the workflows here never block on purpose.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: 30 * time.Second})
	return &harness{t: t, env: env, crm: f}
}

// redeem runs RedemptionWorkflow to its end and returns its result.
func (h *harness) redeem(req workflows.RedemptionRequest) (workflows.RedemptionStatus, error) {
	h.t.Helper()
	h.env.ExecuteWorkflow(workflows.RedemptionWorkflowName, req)
	require.True(h.t, h.env.IsWorkflowCompleted())
	if err := h.env.GetWorkflowError(); err != nil {
		return workflows.RedemptionStatus{}, err
	}
	var st workflows.RedemptionStatus
	require.NoError(h.t, h.env.GetWorkflowResult(&st))
	return st, nil
}

// updateOutcome is what happened to one Update.
type updateOutcome struct {
	rejected  error
	completed bool
	status    workflows.RedemptionStatus
	err       error
}

// update sends Update name after the given (workflow) time.
func (h *harness) update(name, id string, after time.Duration) *updateOutcome {
	return h.updateWith(name, id, after)
}

// updateWith sends Update name with args after the given (workflow) time.
func (h *harness) updateWith(name, id string, after time.Duration, args ...any) *updateOutcome {
	out := &updateOutcome{}
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { out.rejected = err },
			OnComplete: func(v any, err error) {
				out.completed, out.err = true, err
				if err == nil {
					st, ok := v.(workflows.RedemptionStatus)
					require.True(h.t, ok, "update result is %T", v)
					out.status = st
				}
			},
		}, args...)
	}, after)
	return out
}

// query returns the status query's answer at the given (workflow) time.
func (h *harness) query(after time.Duration) *workflows.RedemptionStatus {
	st := &workflows.RedemptionStatus{}
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.QueryStatus)
		require.NoError(h.t, err)
		require.NoError(h.t, v.Get(st))
	}, after)
	return st
}

func token(step string) string { return workflows.BusinessToken(testID, step) }
