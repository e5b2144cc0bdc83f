package startercli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/workflows"
)

const testUI = "http://ui.example.com:8233"

func newApp(c *mocks.Client) *App {
	return &App{Client: c, Namespace: "default", TaskQueue: "kylin-points", UIURL: testUI,
		FreezeWait: 2 * time.Second}
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

// startOp is a with-start operation that started run runID ("": none).
type startOp struct{ runID string }

func (o startOp) Get(context.Context) (client.WorkflowRun, error) {
	if o.runID == "" {
		return nil, errors.New("not started")
	}
	return run(o.runID, struct{}{}, nil), nil
}

// startsAndAnswers expects one Update-with-Start of awaitFreeze on workflow
// name, whose answer is v (or err); startErr fails the call itself. It
// records the start options and the argument.
type startsAndAnswers struct {
	opts client.StartWorkflowOptions
	arg  any
	uws  client.UpdateWithStartWorkflowOptions
}

func expectStart[T any](c *mocks.Client, name, runID string, v T, startErr, err error) *startsAndAnswers {
	got := &startsAndAnswers{}
	c.On("NewWithStartWorkflowOperation", mock.Anything, name, mock.Anything).
		Run(func(args mock.Arguments) {
			got.opts = args.Get(0).(client.StartWorkflowOptions)
			got.arg = args.Get(2)
		}).Return(startOp{runID: runID})
	h := &mocks.WorkflowUpdateHandle{}
	call := h.On("Get", mock.Anything, mock.Anything).Return(err)
	if err == nil {
		call.Run(func(args mock.Arguments) { *args.Get(1).(*T) = v })
	}
	c.On("UpdateWithStartWorkflow", mock.Anything, mock.Anything).
		Run(func(args mock.Arguments) { got.uws = args.Get(1).(client.UpdateWithStartWorkflowOptions) }).
		Return(h, startErr)
	return got
}

func TestRedeemStartsAndWaitsForTheFreezeInOneCall(t *testing.T) {
	t.Parallel()
	c := &mocks.Client{}
	got := expectStart(c, workflows.RedemptionWorkflowName, "run-1", redemption("redeem-o1", workflows.StateFrozen), nil, nil)
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

	in := workflows.RedemptionRequest{MemberID: "m-1", Points: 5, Description: "积分商城兑换", ShopCode: "S1", HoldSeconds: 90}
	require.Equal(t, in, got.arg)
	want := workflows.StartOptions("redeem-o1", "kylin-points", workflows.RedemptionSummary(in))
	want.Priority = temporal.Priority{PriorityKey: workflows.PriorityCashier, FairnessKey: "S1"}
	want.TypedSearchAttributes = temporal.NewSearchAttributes(search.State.ValueSet("FREEZING"), search.Points.ValueSet(5))
	require.Equal(t, want, got.opts, "a cashier's redeem starts first in line, its shop as fairness key, its first attributes given")
	require.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, got.opts.WorkflowIDReusePolicy)
	require.Equal(t, enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL, got.opts.WorkflowIDConflictPolicy, "a running ID is refused, not joined")
	require.Equal(t, workflows.UpdateAwaitFreeze, got.uws.UpdateOptions.UpdateName)
	require.Equal(t, client.WorkflowUpdateStageCompleted, got.uws.UpdateOptions.WaitForStage)
	for _, call := range c.Calls {
		require.NotEqual(t, "QueryWorkflow", call.Method, "no query while waiting")
		require.NotEqual(t, "ExecuteWorkflow", call.Method)
	}
}

func TestRedeemDefaultIDAndHumanOutput(t *testing.T) {
	t.Parallel()
	c := &mocks.Client{}
	got := expectStart(c, workflows.RedemptionWorkflowName, "run-2", workflows.RedemptionStatus{State: workflows.StateFrozen, MemberID: "m-1", Points: 5}, nil, nil)
	code, stdout, stderr := runApp(t, newApp(c), "redeem", "--member", "m-1", "--points", "5", "--description", "d")
	require.Equal(t, ExitOK, code, stderr)
	id := got.opts.ID
	require.Regexp(t, `^redeem-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
	require.Equal(t, id+": FROZEN — 5 points of member m-1 frozen (token "+workflows.BusinessToken(id, workflows.StepFreeze)+")\n  "+testUI+"/namespaces/default/workflows/"+id+"/run-2/history\n", stdout)
}

func TestRedeemFailures(t *testing.T) {
	t.Parallel()
	failed := redemption("redeem-f", workflows.StateFailed)
	failed.Error = "crm freeze: rejected: HTTP 200: POINT_NOT_ENOUGH"
	tests := []struct {
		name      string
		runID     string
		st        workflows.RedemptionStatus
		startErr  error
		err       error
		wantState string
		wantLine  string
	}{
		{"CRM rejected the freeze", "r", failed, nil, nil, "FAILED", "starter: redeem-f: FAILED: crm freeze: rejected: HTTP 200: POINT_NOT_ENOUGH"},
		{"ID already used", "", workflows.RedemptionStatus{}, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", "r0"), nil,
			"", "starter: workflow redeem-f already exists"},
		{"no worker: never settles", "r", workflows.RedemptionStatus{}, nil, context.DeadlineExceeded,
			"FREEZING", "starter: redeem-f: the freeze did not settle within 50ms; is a worker polling task queue kylin-points?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &mocks.Client{}
			expectStart(c, workflows.RedemptionWorkflowName, tt.runID, tt.st, tt.startErr, tt.err)
			app := newApp(c)
			app.FreezeWait = 50 * time.Millisecond
			if tt.err == context.DeadlineExceeded {
				app.FreezeWait = time.Nanosecond
			}
			code, stdout, stderr := runApp(t, app, "redeem", "--member", "m-1", "--points", "5", "--description", "d", "--id", "redeem-f", "--json")
			require.Equal(t, ExitFailed, code)
			require.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
			require.True(t, strings.HasPrefix(stderr, strings.ReplaceAll(tt.wantLine, "50ms", "1ns")), stderr)
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
		{"cancel whose release failed for good says the points stay frozen", "cancel", func(c *mocks.Client) {
			updateReturns(workflows.RedemptionStatus{}, temporal.NewNonRetryableApplicationError("release of freeze tok failed for good",
				workflows.ErrReleaseFailed, nil, workflows.StrandedFreeze{FreezeToken: "tok", MemberID: "m-1", Points: 5, Certain: true}))(c)
			c.On("DescribeWorkflow", mock.Anything, "redeem-c", "").
				Return(description("redeem-c", "run-c", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED), nil)
			c.On("GetWorkflow", mock.Anything, "redeem-c", "run-c").Return(run("run-c", workflows.RedemptionStatus{},
				temporal.NewNonRetryableApplicationError("release of freeze tok failed for good: HTTP 422", workflows.ErrReleaseFailed, nil,
					workflows.StrandedFreeze{FreezeToken: "tok", MemberID: "m-1", Points: 5, Certain: true})))
			c.On("QueryWorkflow", mock.Anything, "redeem-c", "run-c", workflows.QueryStatus).Return(value(redemption("redeem-c", workflows.StateReleasing)), nil)
		}, ExitFailed, "RELEASING", "starter: redeem-c: failed for good, points stay frozen under token tok until a person settles them: " +
			"workflow redeem-c is Failed: release of freeze tok failed for good: HTTP 422"},
		{"confirm whose release may not have happened, no worker", "confirm", func(c *mocks.Client) {
			updateReturns(workflows.RedemptionStatus{}, temporal.NewNonRetryableApplicationError("release of freeze tok could not be confirmed",
				workflows.ErrReleaseFailed, nil, workflows.StrandedFreeze{FreezeToken: "tok", MemberID: "m-1", Points: 5}))(c)
			c.On("DescribeWorkflow", mock.Anything, "redeem-c", "").Return(nil, errors.New("frontend gone"))
		}, ExitFailed, "", "starter: redeem-c: failed, points may stay frozen under token tok until a person checks and settles them: release of freeze tok could not be confirmed"},
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
			c.On("DescribeWorkflowExecution", mock.Anything, "w", "r").Return(&workflowservice.DescribeWorkflowExecutionResponse{}, nil)
		}, ExitOK, "FROZEN", "w: FROZEN — 5 points of member m-1 frozen"},
		{"a step the worker keeps retrying is shown", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").
				Return(description("w", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING), nil)
			c.On("QueryWorkflow", mock.Anything, "w", "r", workflows.QueryStatus).Return(value(redemption("w", workflows.StateReleasing)), nil)
			c.On("DescribeWorkflowExecution", mock.Anything, "w", "r").Return(&workflowservice.DescribeWorkflowExecutionResponse{
				PendingActivities: []*workflowpb.PendingActivityInfo{{
					ActivityType: &commonpb.ActivityType{Name: "Release"}, Attempt: 7,
					LastFailure: &failurepb.Failure{Message: "crm release: rejected: HTTP 401\n\x1b[2J; retrying until an operator fixes the CRM credentials"},
				}},
			}, nil)
		}, ExitOK, "RELEASING", "w: RELEASING — releasing 5 points of member m-1\n  retrying: Release attempt 7: crm release: rejected: HTTP 401 [2J; retrying until an operator fixes the CRM credentials\n"},
		{"completed redemption answers from its result", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").
				Return(description("w", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
			c.On("GetWorkflow", mock.Anything, "w", "r").Return(run("r", consumed, nil))
		}, ExitOK, "CONSUMED", "w: CONSUMED — 5 points of member m-1 consumed"},
		{"completed freeze", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").
				Return(description("w", "r", workflows.FreezePointsWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
			c.On("GetWorkflow", mock.Anything, "w", "r").Return(run("r", workflows.FreezeResult{MemberID: "m-1", Points: 5, FreezeToken: "tok"}, nil))
			c.On("DescribeWorkflow", mock.Anything, "settle-w", "").Return(nil, serviceerror.NewNotFound("nope"))
		}, ExitOK, "FROZEN", "w: FROZEN — 5 points of member m-1 frozen (token tok)"},
		{"freeze settled by its settlement", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").
				Return(description("w", "r", workflows.FreezePointsWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
			c.On("GetWorkflow", mock.Anything, "w", "r").Return(run("r", workflows.FreezeResult{MemberID: "m-1", Points: 5, FreezeToken: "tok"}, nil))
			c.On("DescribeWorkflow", mock.Anything, "settle-w", "").
				Return(description("settle-w", "s", workflows.ConsumePointsWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
			c.On("GetWorkflow", mock.Anything, "settle-w", "s").Return(run("s", workflows.SettleResult{State: workflows.StateConsumed,
				MemberID: "m-1", FreezeToken: "tok", ConsumedPoints: 2, ReleasedPoints: 3}, nil))
		}, ExitOK, "CONSUMED", "w: CONSUMED — 2 of 5 points of member m-1 consumed, 3 released (token tok)"},
		{"redemption whose release failed for good", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").
				Return(description("w", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED), nil)
			c.On("GetWorkflow", mock.Anything, "w", "r").Return(run("r", workflows.RedemptionStatus{},
				temporal.NewNonRetryableApplicationError("release of freeze tok failed for good", workflows.ErrReleaseFailed, nil,
					workflows.StrandedFreeze{FreezeToken: "tok", MemberID: "m-1", Points: 5, Certain: true})))
			c.On("QueryWorkflow", mock.Anything, "w", "r", workflows.QueryStatus).Return(value(redemption("w", workflows.StateReleasing)), nil)
		}, ExitFailed, "RELEASING", "w: RELEASING — 5 points of member m-1 stay frozen under token tok until a person settles them"},
		{"redemption whose release may not have happened, no worker to query", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").
				Return(description("w", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED), nil)
			c.On("GetWorkflow", mock.Anything, "w", "r").Return(run("r", workflows.RedemptionStatus{},
				temporal.NewNonRetryableApplicationError("release of freeze tok could not be confirmed", workflows.ErrReleaseFailed, nil,
					workflows.StrandedFreeze{FreezeToken: "tok", MemberID: "m-1", Points: 5})))
			c.On("QueryWorkflow", mock.Anything, "w", "r", workflows.QueryStatus).Return(nil, errors.New("no worker"))
		}, ExitFailed, "", ""},
		{"terminated redemption may hold points", func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "w", "").
				Return(description("w", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED), nil)
			c.On("GetWorkflow", mock.Anything, "w", "r").Return(run("r", workflows.RedemptionStatus{}, errors.New("terminated by ops")))
			c.On("QueryWorkflow", mock.Anything, "w", "r", workflows.QueryStatus).Return(value(frozen), nil)
		}, ExitFailed, "FROZEN", "w: FROZEN — 5 points of member m-1 may stay frozen under token " + workflows.BusinessToken("w", workflows.StepFreeze) + " until a person checks"},
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
			m := decodeReport(t, stdout)
			require.Equal(t, tt.wantState, m["state"])
			require.Equal(t, tt.wantCode != ExitOK, stderr != "", stderr)
			require.NotContains(t, stderr+stdout, "not frozen", "a status never says nothing is frozen unless the CRM did")
			if strings.Contains(tt.wantHuman, " stay frozen") && !strings.Contains(tt.wantHuman, "may stay frozen") {
				require.Contains(t, stderr, "points stay frozen under token")
				require.Equal(t, strandedCertain, m["stranded"])
			}
			if strings.Contains(tt.wantHuman, "may stay frozen") || tt.name == "redemption whose release may not have happened, no worker to query" {
				require.Contains(t, stderr, "points may stay frozen under token")
				require.Equal(t, strandedPossible, m["stranded"])
			}

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
			got := expectStart(c, workflows.FreezePointsWorkflowName, "r", workflows.FreezeResult{MemberID: "m-1", Points: 2.5, FreezeToken: "tok"}, nil, tt.result)
			code, stdout, stderr := runApp(t, newApp(c), "freeze", "--member", "m-1", "--points", "2.5", "--description", "d", "--json")
			require.Equal(t, tt.wantCode, code, stderr)
			m := decodeReport(t, stdout)
			require.Equal(t, tt.wantState, m["state"])
			require.True(t, strings.HasPrefix(got.opts.ID, "freeze-"), got.opts.ID)
			require.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, got.opts.WorkflowIDReusePolicy)
			if tt.result != nil {
				require.Equal(t, "crm freeze: rejected: HTTP 409: INSUFFICIENT_POINTS", m["error"])
				require.Equal(t, "starter: "+got.opts.ID+": FAILED: crm freeze: rejected: HTTP 409: INSUFFICIENT_POINTS\n", stderr)
			} else {
				require.Equal(t, "tok", m["freezeToken"])
			}
		})
	}
}

func TestConfirmForFewerPoints(t *testing.T) {
	t.Parallel()
	done := redemption("redeem-p", workflows.StateConsumed)
	done.Decision, done.ConsumedPoints, done.ReleasedPoints = workflows.DecisionConfirm, 2, 3
	c := &mocks.Client{}
	h := &mocks.WorkflowUpdateHandle{}
	h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) { *args.Get(1).(*workflows.RedemptionStatus) = done }).Return(nil)
	h.On("RunID").Return("run-p")
	var opts client.UpdateWorkflowOptions
	c.On("UpdateWorkflow", mock.Anything, mock.Anything).Run(func(args mock.Arguments) { opts = args.Get(1).(client.UpdateWorkflowOptions) }).Return(h, nil)
	code, stdout, stderr := runApp(t, newApp(c), "confirm", "--id", "redeem-p", "--points", "2")
	require.Equal(t, ExitOK, code, stderr)
	require.Equal(t, []any{workflows.ConfirmRequest{Points: 2}}, opts.Args)
	require.Equal(t, "confirm/200", opts.UpdateID, "another amount is another Update, refused once one has won")
	require.True(t, strings.HasPrefix(stdout, "redeem-p: CONSUMED — 2 of 5 points of member m-1 consumed, 3 released"), stdout)
}

func TestRedeemExitsZeroOnlyWhenThePointsAreHeld(t *testing.T) {
	t.Parallel()
	undoing := redemption("redeem-u", workflows.StateReleasing)
	undoing.Error = "freeze did not settle within 2m0s"
	released := redemption("redeem-u", workflows.StateReleased)
	released.FrozenAt, released.Decision = time.Now(), workflows.DecisionCancel
	replayed := redemption("redeem-u", workflows.StateFrozen)
	replayed.Replayed = []string{workflows.StepFreeze}
	tests := []struct {
		name     string
		st       workflows.RedemptionStatus
		wantCode int
		wantErr  string
	}{
		{"undoing the freeze", undoing, ExitFailed, "starter: redeem-u: the points are not held: the redemption is RELEASING (the freeze did not settle and is being undone): freeze did not settle"},
		{"released already", released, ExitFailed, "starter: redeem-u: the points are not held: the redemption is RELEASED"},
		{"frozen, replayed from the CRM's record", replayed, ExitOK, "starter: warning: redeem-u: the CRM answered the first freeze from its idempotency record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &mocks.Client{}
			expectStart(c, workflows.RedemptionWorkflowName, "r", tt.st, nil, nil)
			code, stdout, stderr := runApp(t, newApp(c), "redeem", "--member", "m-1", "--points", "5", "--description", "d", "--id", "redeem-u", "--json")
			require.Equal(t, tt.wantCode, code, stderr)
			require.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
			require.True(t, strings.HasPrefix(stderr, tt.wantErr), stderr)
			require.Equal(t, string(tt.st.State), decodeReport(t, stdout)["state"])
		})
	}
}

func TestFreezeFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		wantState string
		stranded  string
		wantErr   string
	}{
		{"undone in time: nothing frozen", temporal.NewNonRetryableApplicationError("freeze tok did not settle; it was released, nothing stays frozen",
			workflows.ErrFreezeAbandoned, nil), "FAILED", "", "starter: freeze-1: FAILED: freeze tok did not settle"},
		{"the undo's release refused", temporal.NewNonRetryableApplicationError("release of freeze tok failed for good",
			workflows.ErrReleaseFailed, nil, workflows.StrandedFreeze{FreezeToken: "tok", MemberID: "m-1", Points: 2.5, Certain: true}),
			"", strandedCertain, "starter: freeze-1: failed for good, points stay frozen under token tok"},
		{"terminated", errors.New("workflow terminated"), "", strandedPossible, "starter: freeze-1: failed, points may stay frozen under token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &mocks.Client{}
			expectStart(c, workflows.FreezePointsWorkflowName, "r", workflows.FreezeResult{}, nil, tt.err)
			code, stdout, stderr := runApp(t, newApp(c), "freeze", "--member", "m-1", "--points", "2.5", "--description", "d", "--id", "freeze-1", "--json")
			require.Equal(t, ExitFailed, code)
			require.True(t, strings.HasPrefix(stderr, tt.wantErr), stderr)
			m := decodeReport(t, stdout)
			require.Equal(t, tt.wantState, m["state"])
			if tt.stranded != "" {
				require.Equal(t, tt.stranded, m["stranded"])
			}
		})
	}
}

func TestSettleAFreeze(t *testing.T) {
	t.Parallel()
	freeze := workflows.FreezeResult{WorkflowID: "freeze-1", Step: workflows.StepFreeze, MemberID: "m-1", Points: 5,
		FreezeToken: workflows.BusinessToken("freeze-1", workflows.StepFreeze), Description: "d"}
	frozen := func(c *mocks.Client) {
		c.On("DescribeWorkflow", mock.Anything, "freeze-1", "").
			Return(description("freeze-1", "r", workflows.FreezePointsWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
		c.On("GetWorkflow", mock.Anything, "freeze-1", "r").Return(run("r", freeze, nil))
	}
	settled := func(name string, res workflows.SettleResult) func(c *mocks.Client) {
		return func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "settle-freeze-1", "").
				Return(description("settle-freeze-1", "s", name, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
			c.On("GetWorkflow", mock.Anything, "settle-freeze-1", "s").Return(run("s", res, nil))
		}
	}
	consumed := workflows.SettleResult{State: workflows.StateConsumed, MemberID: "m-1", FreezeToken: freeze.FreezeToken, ConsumedPoints: 2, ReleasedPoints: 3}
	tests := []struct {
		name     string
		args     []string
		setup    func(c *mocks.Client)
		start    string // the workflow the command must start, "" for none
		wantCode int
		wantOut  string
	}{
		{"consume some", []string{"consume", "--id", "freeze-1", "--points", "2"}, func(c *mocks.Client) {
			frozen(c)
			c.On("DescribeWorkflow", mock.Anything, "settle-freeze-1", "").Return(nil, serviceerror.NewNotFound("nope")).Once()
			c.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.ConsumePointsWorkflowName, workflows.SettleRequest{Freeze: freeze, Points: 2}).
				Return(run("s", consumed, nil), nil)
			settled(workflows.ConsumePointsWorkflowName, consumed)(c)
		}, workflows.ConsumePointsWorkflowName, ExitOK, "freeze-1: CONSUMED — 2 of 5 points of member m-1 consumed, 3 released"},
		{"release", []string{"release", "--id", "freeze-1"}, func(c *mocks.Client) {
			frozen(c)
			res := workflows.SettleResult{State: workflows.StateReleased, MemberID: "m-1", FreezeToken: freeze.FreezeToken, ReleasedPoints: 5}
			c.On("DescribeWorkflow", mock.Anything, "settle-freeze-1", "").Return(nil, serviceerror.NewNotFound("nope")).Once()
			c.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.ReleasePointsWorkflowName, workflows.SettleRequest{Freeze: freeze}).
				Return(run("s", res, nil), nil)
			settled(workflows.ReleasePointsWorkflowName, res)(c)
		}, workflows.ReleasePointsWorkflowName, ExitOK, "freeze-1: RELEASED — 5 points of member m-1 released"},
		{"repeat of the settlement answers from it", []string{"consume", "--id", "freeze-1", "--points", "2"}, func(c *mocks.Client) {
			frozen(c)
			settled(workflows.ConsumePointsWorkflowName, consumed)(c)
		}, "", ExitOK, "freeze-1: CONSUMED — 2 of 5 points"},
		{"a repeat with other points is refused, saying what was done", []string{"consume", "--id", "freeze-1", "--points", "4"}, func(c *mocks.Client) {
			frozen(c)
			settled(workflows.ConsumePointsWorkflowName, consumed)(c)
		}, "", ExitFailed, "freeze-1: CONSUMED — 2 of 5 points"},
		{"a repeat consuming all after a consume of 2 is refused", []string{"consume", "--id", "freeze-1"}, func(c *mocks.Client) {
			frozen(c)
			settled(workflows.ConsumePointsWorkflowName, consumed)(c)
		}, "", ExitFailed, "freeze-1: CONSUMED — 2 of 5 points"},
		{"release after a consume is refused", []string{"release", "--id", "freeze-1"}, func(c *mocks.Client) {
			frozen(c)
			settled(workflows.ConsumePointsWorkflowName, consumed)(c)
		}, "", ExitFailed, "freeze-1: CONSUMED"},
		{"a redemption is not a freeze", []string{"release", "--id", "freeze-1"}, func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, "freeze-1", "").
				Return(description("freeze-1", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING), nil)
			c.On("QueryWorkflow", mock.Anything, "freeze-1", "r", workflows.QueryStatus).Return(value(redemption("freeze-1", workflows.StateFrozen)), nil)
		}, "", ExitFailed, "freeze-1: FROZEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &mocks.Client{}
			tt.setup(c)
			code, stdout, stderr := runApp(t, newApp(c), tt.args...)
			require.Equal(t, tt.wantCode, code, stderr)
			require.True(t, strings.HasPrefix(stdout, tt.wantOut), stdout)
			started := ""
			for _, call := range c.Calls {
				if call.Method == "ExecuteWorkflow" {
					started = call.Arguments.String(2)
					require.Equal(t, "settle-freeze-1", call.Arguments.Get(1).(client.StartWorkflowOptions).ID)
				}
			}
			require.Equal(t, tt.start, started)
		})
	}
}

// What the CRM or a user wrote reaches the terminal without control
// characters, on one line, bounded, in both outputs.
func TestOutputOfOutsideTextIsOneSafeLine(t *testing.T) {
	t.Parallel()
	evil := redemption("w", workflows.StateFailed)
	evil.MemberID = "m-1\x1b]0;owned\x07"
	evil.Error = "crm freeze: rejected: HTTP 200: POINT_NOT_ENOUGH: 积分不足\n\x1b[2J\u202e" + strings.Repeat("x", 5000)
	c := &mocks.Client{}
	c.On("DescribeWorkflow", mock.Anything, "w", "").
		Return(description("w", "r", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
	c.On("GetWorkflow", mock.Anything, "w", "r").Return(run("r", evil, nil))
	for _, args := range [][]string{{"status", "--id", "w"}, {"status", "--id", "w", "--json"}} {
		code, stdout, stderr := runApp(t, newApp(c), args...)
		require.Equal(t, ExitOK, code, stderr)
		for _, bad := range []string{"\x1b", "\x07", "\u202e", "\\u001b", "\\u0007"} {
			require.NotContains(t, stdout, bad)
		}
		require.Less(t, len(stdout), 2000, "bounded")
		require.LessOrEqual(t, strings.Count(stdout, "\n"), 2, "one line, and the UI link")
		require.Contains(t, stdout, "POINT_NOT_ENOUGH: 积分不足")
	}
}

// A list line of a run whose member is stored as a keyed hash has no member
// to show; the line then names none rather than an empty one.
func TestDescribeNamesTheMemberOnlyWhenKnown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		report Report
		want   string
	}{
		{"known", Report{State: "FROZEN", Points: 3, MemberID: "m-1", FreezeToken: "tok"}, "3 points of member m-1 frozen (token tok)"},
		{"unknown", Report{State: "FROZEN", Points: 3, FreezeToken: "tok"}, "3 points frozen (token tok)"},
		{"stranded, unknown", Report{State: "FAILED", Points: 2.5, FreezeToken: "tok", Stranded: strandedPossible},
			"2.5 points may stay frozen under token tok until a person checks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, describe(tt.report))
		})
	}
}

// signalWriter is a Stderr that closes wrote at its first write.
type signalWriter struct {
	mu    sync.Mutex
	buf   strings.Builder
	wrote chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() == 0 {
		close(w.wrote)
	}
	return w.buf.Write(p)
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// While redeem and freeze wait for a freeze that no worker picks up, they
// say so on stderr in one line and keep waiting: the freeze here settles
// only after that line, and the command still ends FROZEN, its JSON alone
// on stdout.
func TestStartSaysWhenNoWorkerPolls(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cmd, name string
		v         any
	}{
		{"redeem", workflows.RedemptionWorkflowName, redemption("redeem-w", workflows.StateFrozen)},
		{"freeze", workflows.FreezePointsWorkflowName, workflows.FreezeResult{MemberID: "m-1", Points: 5, FreezeToken: "tok"}},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			t.Parallel()
			stderr := &signalWriter{wrote: make(chan struct{})}
			c := &mocks.Client{}
			c.On("NewWithStartWorkflowOperation", mock.Anything, tc.name, mock.Anything).Return(startOp{runID: "r"})
			h := &mocks.WorkflowUpdateHandle{}
			h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
				select {
				case <-stderr.wrote:
				case <-time.After(10 * time.Second):
				}
				switch v := tc.v.(type) {
				case workflows.RedemptionStatus:
					*args.Get(1).(*workflows.RedemptionStatus) = v
				case workflows.FreezeResult:
					*args.Get(1).(*workflows.FreezeResult) = v
				}
			}).Return(nil)
			c.On("UpdateWithStartWorkflow", mock.Anything, mock.Anything).Return(h, nil)
			c.On("DescribeTaskQueue", mock.Anything, "kylin-points", enumspb.TASK_QUEUE_TYPE_WORKFLOW).Return(
				&workflowservice.DescribeTaskQueueResponse{Pollers: []*taskqueuepb.PollerInfo{
					{Identity: "gone@host", LastAccessTime: timestamppb.New(time.Now().Add(-10 * time.Minute))}}}, nil)
			app := newApp(c)
			app.FreezeWait, app.PollerCheck = time.Minute, time.Millisecond
			var stdout bytes.Buffer
			app.Stdout, app.Stderr = &stdout, stderr
			code := app.Run(context.Background(), []string{tc.cmd, "--member", "m-1", "--points", "5", "--description", "d", "--id", tc.cmd + "-w", "--json"})
			require.Equal(t, ExitOK, code, stderr.String())
			require.Equal(t, "starter: no worker has polled task queue kylin-points in namespace default in the last 2m0s: "+
				"still waiting for the freeze (start a worker with KYLIN_TASK_QUEUE=kylin-points; Ctrl-C stops waiting, not the run)\n", stderr.String())
			require.Equal(t, "FROZEN", decodeReport(t, stdout.String())["state"])
		})
	}
}

func TestPolledSince(t *testing.T) {
	t.Parallel()
	now := time.Now()
	at := func(ago time.Duration) *taskqueuepb.PollerInfo {
		return &taskqueuepb.PollerInfo{LastAccessTime: timestamppb.New(now.Add(-ago))}
	}
	since := now.Add(-recentPoll)
	require.False(t, polledSince(nil, since), "no poller")
	require.False(t, polledSince([]*taskqueuepb.PollerInfo{at(3 * time.Minute), at(10 * time.Minute)}, since), "only pollers gone for minutes")
	require.False(t, polledSince([]*taskqueuepb.PollerInfo{{}}, since), "a poller without a time")
	require.True(t, polledSince([]*taskqueuepb.PollerInfo{at(10 * time.Minute), at(70 * time.Second)}, since), "one in a long poll")
	require.True(t, polledSince([]*taskqueuepb.PollerInfo{at(0)}, since))
}

// The starter gives the run's Member search attribute at its start as the
// worker writes it, with the same KYLIN_SEARCH_MEMBER settings.
func TestRedeemGivesTheMemberAttributeAtTheStart(t *testing.T) {
	t.Parallel()
	key := "a hash key of 16+ characters"
	keyFile := filepath.Join(t.TempDir(), "member.key")
	require.NoError(t, os.WriteFile(keyFile, []byte(key), 0o600))
	tests := []struct {
		name string
		env  map[string]string
		want string // "" for none
	}{
		{"hashed", map[string]string{config.MemberSearch.Env: search.MemberHashed, config.MemberHashKeyFile.Env: keyFile},
			search.MemberValue(search.MemberHashed, []byte(key), "m-1")},
		{"raw", map[string]string{config.MemberSearch.Env: search.MemberRaw}, "m-1"},
		{"none", map[string]string{config.MemberSearch.Env: search.MemberNone}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &mocks.Client{}
			got := expectStart(c, workflows.RedemptionWorkflowName, "run-1", redemption("redeem-o1", workflows.StateFrozen), nil, nil)
			a := newApp(c)
			a.Env = func(k string) string { return tc.env[k] }
			code, _, stderr := runApp(t, a, "redeem", "--member", "m-1", "--points", "5", "--description", "d", "--id", "redeem-o1", "--json")
			require.Equal(t, ExitOK, code, stderr)
			member, ok := got.opts.TypedSearchAttributes.GetKeyword(search.Member)
			require.Equal(t, tc.want != "", ok, "Member given")
			require.Equal(t, tc.want, member)
			state, _ := got.opts.TypedSearchAttributes.GetKeyword(search.State)
			require.Equal(t, "FREEZING", state)
		})
	}
}
