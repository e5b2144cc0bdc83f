package startercli

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/workflows"
)

const testUI = "http://ui.example.com:8233"

func newApp(c *mocks.Client) *App {
	return &App{Client: c, Namespace: "default", TaskQueue: "kylin-points", UIURL: testUI,
		PollInterval: time.Millisecond, FreezeWait: 2 * time.Second}
}

func description(id, runID, typ string, status enumspb.WorkflowExecutionStatus) *client.WorkflowExecutionDescription {
	d := &client.WorkflowExecutionDescription{}
	d.WorkflowExecution.ID, d.WorkflowExecution.RunID = id, runID
	d.WorkflowType.Name = typ
	d.Status = status
	return d
}

func redemption(id string, state workflows.State) workflows.RedemptionStatus {
	return workflows.RedemptionStatus{WorkflowID: id, State: state, MemberID: "m-1", Points: 5,
		FreezeToken: workflows.BusinessToken(id, workflows.StepFreeze)}
}

// value is an EncodedValue that decodes to v.
func value[T any](v T) *mocks.Value {
	m := &mocks.Value{}
	m.On("Get", mock.Anything).Run(func(args mock.Arguments) { *args.Get(0).(*T) = v }).Return(nil)
	return m
}

// run is a WorkflowRun whose result is v, or err.
func run[T any](runID string, v T, err error) *mocks.WorkflowRun {
	m := &mocks.WorkflowRun{}
	m.On("GetRunID").Return(runID).Maybe()
	call := m.On("Get", mock.Anything, mock.Anything).Return(err)
	if err == nil {
		call.Run(func(args mock.Arguments) {
			if p, ok := args.Get(1).(*T); ok {
				*p = v
			}
		})
	}
	return m
}

func decodeReport(t *testing.T, stdout string) map[string]any {
	t.Helper()
	require.Equal(t, 1, strings.Count(stdout, "\n"), "one JSON object: %q", stdout)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &m))
	for _, k := range []string{"workflowId", "state", "memberId", "points", "freezeToken"} {
		require.Contains(t, m, k)
	}
	return m
}

func TestRedeemStartsByNameAndWaitsForFrozen(t *testing.T) {
	t.Parallel()
	c := &mocks.Client{}
	var opts client.StartWorkflowOptions
	var input workflows.RedemptionRequest
	c.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.RedemptionWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) {
			opts = args.Get(1).(client.StartWorkflowOptions)
			input = args.Get(3).(workflows.RedemptionRequest)
		}).Return(run("run-1", workflows.RedemptionStatus{}, nil), nil)
	c.On("DescribeWorkflow", mock.Anything, "redeem-o1", "").
		Return(description("redeem-o1", "run-1", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING), nil)
	// Not answerable yet, then FREEZING, then FROZEN.
	c.On("QueryWorkflow", mock.Anything, "redeem-o1", "run-1", workflows.QueryStatus).Return(nil, errors.New("workflow task not completed")).Once()
	c.On("QueryWorkflow", mock.Anything, "redeem-o1", "run-1", workflows.QueryStatus).Return(value(redemption("redeem-o1", workflows.StateFreezing)), nil).Once()
	c.On("QueryWorkflow", mock.Anything, "redeem-o1", "run-1", workflows.QueryStatus).Return(value(redemption("redeem-o1", workflows.StateFrozen)), nil)

	code, stdout, stderr := runApp(t, newApp(c), "redeem", "--member", "m-1", "--points", "5", "--description", "积分商城兑换",
		"--shop", "S1", "--id", "redeem-o1", "--hold", "90s", "--json")
	require.Equal(t, ExitOK, code, stderr)
	require.Empty(t, stderr)
	m := decodeReport(t, stdout)
	require.Equal(t, "redeem-o1", m["workflowId"])
	require.Equal(t, "run-1", m["runId"])
	require.Equal(t, "FROZEN", m["state"])
	require.Equal(t, "m-1", m["memberId"])
	require.InDelta(t, 5.0, m["points"], 1e-9)
	require.Equal(t, workflows.BusinessToken("redeem-o1", workflows.StepFreeze), m["freezeToken"])
	require.NotContains(t, m, "error")
	require.Equal(t, testUI+"/namespaces/default/workflows/redeem-o1/run-1/history", m["uiUrl"])

	require.Equal(t, "redeem-o1", opts.ID)
	require.Equal(t, "kylin-points", opts.TaskQueue)
	require.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, opts.WorkflowIDReusePolicy)
	require.True(t, opts.WorkflowExecutionErrorWhenAlreadyStarted, "an existing ID must be an error, not the old run")
	require.Equal(t, workflows.RedemptionSummary(input), opts.StaticSummary)
	require.Equal(t, workflows.RedemptionRequest{MemberID: "m-1", Points: 5, Description: "积分商城兑换", ShopCode: "S1", HoldSeconds: 90}, input)
	c.AssertExpectations(t)
}

func TestRedeemDefaultIDAndHumanOutput(t *testing.T) {
	t.Parallel()
	c := &mocks.Client{}
	var id string
	c.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.RedemptionWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { id = args.Get(1).(client.StartWorkflowOptions).ID }).
		Return(run("run-2", workflows.RedemptionStatus{}, nil), nil)
	c.On("DescribeWorkflow", mock.Anything, mock.Anything, "").
		Return(func(_ context.Context, wid, _ string) *client.WorkflowExecutionDescription {
			return description(wid, "run-2", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING)
		}, nil)
	c.On("QueryWorkflow", mock.Anything, mock.Anything, "run-2", workflows.QueryStatus).
		Return(func(_ context.Context, wid, _, _ string, _ ...any) converter.EncodedValue {
			return value(redemption(wid, workflows.StateFrozen))
		}, nil)

	code, stdout, stderr := runApp(t, newApp(c), "redeem", "--member", "m-1", "--points", "5", "--description", "d")
	require.Equal(t, ExitOK, code, stderr)
	require.Regexp(t, `^redeem-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
	token := workflows.BusinessToken(id, workflows.StepFreeze)
	require.Equal(t, id+": FROZEN — 5 points of member m-1 frozen (token "+token+")\n"+
		"  "+testUI+"/namespaces/default/workflows/"+id+"/run-2/history\n", stdout)
}

func TestRedeemFailures(t *testing.T) {
	t.Parallel()
	failed := redemption("redeem-f", workflows.StateFailed)
	failed.FreezeToken, failed.Error = "", "crm freeze: rejected: HTTP 409: INSUFFICIENT_POINTS"
	tests := []struct {
		name      string
		setup     func(c *mocks.Client)
		wantState string
		wantLine  string
	}{
		{"CRM rejected the freeze", func(c *mocks.Client) {
			c.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(run("r", failed, nil), nil)
			// The workflow ended at once: answered from its result.
			c.On("DescribeWorkflow", mock.Anything, "redeem-f", "").
				Return(description("redeem-f", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
			c.On("GetWorkflow", mock.Anything, "redeem-f", "r").Return(run("r", failed, nil))
		}, "FAILED", "starter: redeem-f: FAILED: crm freeze: rejected: HTTP 409: INSUFFICIENT_POINTS"},
		{"ID already used", func(c *mocks.Client) {
			c.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).
				Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", "r0"))
		}, "", "starter: workflow redeem-f already exists"},
		{"no worker: never settles", func(c *mocks.Client) {
			c.On("ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(run("r", failed, nil), nil)
			c.On("DescribeWorkflow", mock.Anything, "redeem-f", "").
				Return(description("redeem-f", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING), nil)
			c.On("QueryWorkflow", mock.Anything, "redeem-f", "r", workflows.QueryStatus).Return(nil, errors.New("context deadline exceeded"))
		}, "FREEZING", "starter: redeem-f: the freeze did not settle within 50ms; is a worker polling task queue kylin-points?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &mocks.Client{}
			tt.setup(c)
			app := newApp(c)
			app.FreezeWait = 50 * time.Millisecond
			code, stdout, stderr := runApp(t, app, "redeem", "--member", "m-1", "--points", "5", "--description", "d", "--id", "redeem-f", "--json")
			require.Equal(t, ExitFailed, code)
			require.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
			require.True(t, strings.HasPrefix(stderr, tt.wantLine), stderr)
			m := decodeReport(t, stdout)
			require.Equal(t, tt.wantState, m["state"])
			require.NotEmpty(t, m["error"])
		})
	}
}

func TestConfirmAndCancel(t *testing.T) {
	t.Parallel()
	consumed := redemption("redeem-c", workflows.StateConsumed)
	consumed.Decision = workflows.DecisionConfirm
	refused := redemption("redeem-c", workflows.StateReleased)
	refused.Decision, refused.Error = workflows.DecisionConsumeRejected, "crm consume: rejected: HTTP 422"
	cancelled := redemption("redeem-c", workflows.StateReleased)
	cancelled.Decision = workflows.DecisionCancel
	freezing := redemption("redeem-c", workflows.StateFreezing)

	updateReturns := func(st workflows.RedemptionStatus, err error) func(c *mocks.Client) {
		return func(c *mocks.Client) {
			h := &mocks.WorkflowUpdateHandle{}
			call := h.On("Get", mock.Anything, mock.Anything).Return(err)
			if err == nil {
				call.Run(func(args mock.Arguments) { *args.Get(1).(*workflows.RedemptionStatus) = st })
			}
			h.On("RunID").Return("run-c").Maybe()
			c.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(h, nil)
		}
	}
	closed := func(st workflows.RedemptionStatus) func(c *mocks.Client) {
		return func(c *mocks.Client) {
			c.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("workflow execution already completed"))
			c.On("DescribeWorkflow", mock.Anything, "redeem-c", "").
				Return(description("redeem-c", "run-c", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
			c.On("GetWorkflow", mock.Anything, "redeem-c", "run-c").Return(run("run-c", st, nil))
		}
	}
	tests := []struct {
		name      string
		cmd       string
		setup     func(c *mocks.Client)
		wantCode  int
		wantState string
		wantLine  string
	}{
		{"confirm consumes", "confirm", updateReturns(consumed, nil), ExitOK, "CONSUMED", ""},
		{"confirm, consume refused", "confirm", updateReturns(refused, nil), ExitFailed, "RELEASED",
			"starter: redeem-c: the CRM refused the consume, the points were released: crm consume: rejected: HTTP 422"},
		{"cancel releases", "cancel", updateReturns(cancelled, nil), ExitOK, "RELEASED", ""},
		{"confirm while FREEZING is refused", "confirm", func(c *mocks.Client) {
			updateReturns(workflows.RedemptionStatus{}, temporal.NewNonRetryableApplicationError(
				"cannot confirm: redemption is FREEZING", workflows.ErrNotFrozen, nil))(c)
			c.On("DescribeWorkflow", mock.Anything, "redeem-c", "").
				Return(description("redeem-c", "run-c", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING), nil)
			c.On("QueryWorkflow", mock.Anything, "redeem-c", "run-c", workflows.QueryStatus).Return(value(freezing), nil)
		}, ExitFailed, "FREEZING", "starter: redeem-c: cannot confirm: redemption is FREEZING"},
		{"repeat confirm after the end answers from the result", "confirm", closed(consumed), ExitOK, "CONSUMED", ""},
		{"repeat confirm after a refused consume", "confirm", closed(refused), ExitFailed, "RELEASED", "starter: redeem-c: the CRM refused the consume"},
		{"confirm after cancel won is refused", "confirm", closed(cancelled), ExitFailed, "RELEASED",
			"starter: cannot confirm redeem-c: redemption is RELEASED, decided by cancel"},
		{"cancel after confirm won is refused", "cancel", closed(consumed), ExitFailed, "CONSUMED",
			"starter: cannot cancel redeem-c: redemption is CONSUMED, decided by confirm"},
		{"unknown workflow", "cancel", func(c *mocks.Client) {
			c.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("workflow not found"))
			c.On("DescribeWorkflow", mock.Anything, "redeem-c", "").Return(nil, serviceerror.NewNotFound("workflow not found"))
		}, ExitFailed, "", "starter: workflow redeem-c not found in namespace default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &mocks.Client{}
			tt.setup(c)
			code, stdout, stderr := runApp(t, newApp(c), tt.cmd, "--id", "redeem-c", "--json")
			require.Equal(t, tt.wantCode, code, stderr)
			m := decodeReport(t, stdout)
			require.Equal(t, tt.wantState, m["state"])
			if tt.wantLine == "" {
				require.Empty(t, stderr)
			} else {
				require.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
				require.True(t, strings.HasPrefix(stderr, tt.wantLine), stderr)
			}
			for _, call := range c.Calls {
				if call.Method == "UpdateWorkflow" {
					o := call.Arguments.Get(1).(client.UpdateWorkflowOptions)
					require.Equal(t, tt.cmd, o.UpdateName)
					require.Equal(t, "redeem-c", o.WorkflowID)
					require.Equal(t, client.WorkflowUpdateStageCompleted, o.WaitForStage)
				}
			}
		})
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	frozen := redemption("w", workflows.StateFrozen)
	consumed := redemption("w", workflows.StateConsumed)
	tests := []struct {
		name      string
		setup     func(c *mocks.Client)
		wantCode  int
		wantState string
		wantHuman string
	}{
		{"running redemption is queried", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").
				Return(description("w", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING), nil)
			c.On("QueryWorkflow", mock.Anything, "w", "r", workflows.QueryStatus).Return(value(frozen), nil)
		}, ExitOK, "FROZEN", "w: FROZEN — 5 points of member m-1 frozen"},
		{"completed redemption answers from its result", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").
				Return(description("w", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
			c.On("GetWorkflow", mock.Anything, "w", "r").Return(run("r", consumed, nil))
		}, ExitOK, "CONSUMED", "w: CONSUMED — 5 points of member m-1 consumed"},
		{"completed freeze", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").
				Return(description("w", "r", workflows.FreezePointsWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
			c.On("GetWorkflow", mock.Anything, "w", "r").Return(run("r", workflows.FreezeResult{MemberID: "m-1", Points: 5, FreezeToken: "tok"}, nil))
		}, ExitOK, "FROZEN", "w: FROZEN — 5 points of member m-1 frozen (token tok)"},
		{"failed redemption", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").
				Return(description("w", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED), nil)
			c.On("GetWorkflow", mock.Anything, "w", "r").Return(run("r", workflows.RedemptionStatus{},
				temporal.NewNonRetryableApplicationError("release of freeze tok refused", workflows.ErrReleaseFailed, nil)))
			c.On("QueryWorkflow", mock.Anything, "w", "r", workflows.QueryStatus).Return(value(redemption("w", workflows.StateReleasing)), nil)
		}, ExitFailed, "RELEASING", "w: RELEASING — releasing 5 points of member m-1"},
		{"not found", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").Return(nil, serviceerror.NewNotFound("nope"))
		}, ExitFailed, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &mocks.Client{}
			tt.setup(c)
			code, stdout, stderr := runApp(t, newApp(c), "status", "--id", "w", "--json")
			require.Equal(t, tt.wantCode, code, stderr)
			require.Equal(t, tt.wantState, decodeReport(t, stdout)["state"])
			require.Equal(t, tt.wantCode != ExitOK, stderr != "", stderr)

			code, stdout, _ = runApp(t, newApp(c), "status", "--id", "w")
			require.Equal(t, tt.wantCode, code)
			require.True(t, strings.HasPrefix(stdout, tt.wantHuman), stdout)
		})
	}
}

func TestFreeze(t *testing.T) {
	t.Parallel()
	rejected := temporal.NewNonRetryableApplicationError("crm freeze: rejected: HTTP 409: INSUFFICIENT_POINTS", "CRMRejected", nil)
	tests := []struct {
		name      string
		result    error
		wantCode  int
		wantState string
	}{
		{"frozen", nil, ExitOK, "FROZEN"},
		{"rejected", rejected, ExitFailed, "FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &mocks.Client{}
			var opts client.StartWorkflowOptions
			c.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.FreezePointsWorkflowName, mock.Anything).
				Run(func(args mock.Arguments) { opts = args.Get(1).(client.StartWorkflowOptions) }).
				Return(run("r", workflows.FreezeResult{MemberID: "m-1", Points: 2.5, FreezeToken: "tok"}, tt.result), nil)
			code, stdout, stderr := runApp(t, newApp(c), "freeze", "--member", "m-1", "--points", "2.5", "--description", "d", "--json")
			require.Equal(t, tt.wantCode, code, stderr)
			m := decodeReport(t, stdout)
			require.Equal(t, tt.wantState, m["state"])
			require.True(t, strings.HasPrefix(opts.ID, "freeze-"), opts.ID)
			require.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, opts.WorkflowIDReusePolicy)
			if tt.result != nil {
				require.Equal(t, "crm freeze: rejected: HTTP 409: INSUFFICIENT_POINTS", m["error"])
				require.Equal(t, "starter: "+opts.ID+": FAILED: crm freeze: rejected: HTTP 409: INSUFFICIENT_POINTS\n", stderr)
			} else {
				require.Equal(t, "tok", m["freezeToken"])
			}
		})
	}
}
