package startercli

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/workflows"
)

func parkedStatus(id string) workflows.RedemptionStatus {
	st := redemption(id, workflows.StateAttention)
	st.Decision = workflows.DecisionCancel
	st.Attention = &workflows.Attention{Why: "release refused: HTTP 422", Since: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		FreezeToken: st.FreezeToken, MemberID: "m-1", Points: 5}
	return st
}

// Exit statuses of retry and resolve, and what they print: 0 only when the
// redemption ended as a person asked; ATTENTION again, a refusal, a run not
// waiting for a person are 1 and say why; a redemption in ATTENTION is
// never reported as holding nothing.
func TestRetryAndResolve(t *testing.T) {
	t.Parallel()
	const id = "redeem-a"
	released := redemption(id, workflows.StateReleased)
	resolved := redemption(id, workflows.StateResolved)
	resolved.Resolution = &workflows.Resolution{Note: "done by hand", Identity: "alice via 1@host"}
	updateReturns := func(st workflows.RedemptionStatus, err error) func(c *mocks.Client) {
		return func(c *mocks.Client) {
			h := &mocks.WorkflowUpdateHandle{}
			call := h.On("Get", mock.Anything, mock.Anything).Return(err)
			if err == nil {
				call.Run(func(args mock.Arguments) { *args.Get(1).(*workflows.RedemptionStatus) = st })
			}
			h.On("RunID").Return("run-a").Maybe()
			c.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(h, nil)
		}
	}
	running := func(st workflows.RedemptionStatus) func(c *mocks.Client) {
		return func(c *mocks.Client) {
			c.On("DescribeWorkflow", mock.Anything, id, "").
				Return(description(id, "run-a", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING), nil)
			c.On("QueryWorkflow", mock.Anything, id, "run-a", workflows.QueryStatus).Return(value(st), nil)
		}
	}
	closedAs := func(st workflows.RedemptionStatus) func(c *mocks.Client) {
		return func(c *mocks.Client) {
			c.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("workflow execution already completed"))
			c.On("DescribeWorkflow", mock.Anything, id, "").
				Return(description(id, "run-a", workflows.RedemptionWorkflowName, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
			c.On("GetWorkflow", mock.Anything, id, "run-a").Return(run("run-a", st, nil))
		}
	}
	both := func(fs ...func(c *mocks.Client)) func(c *mocks.Client) {
		return func(c *mocks.Client) {
			for _, f := range fs {
				f(c)
			}
		}
	}
	tests := []struct {
		name      string
		args      []string
		setup     func(c *mocks.Client)
		wantCode  int
		wantState string
		wantLine  string
		stranded  string
	}{
		{"retry settles", []string{"retry"}, updateReturns(released, nil), ExitOK, "RELEASED", "", ""},
		{"retry refused again", []string{"retry"}, updateReturns(parkedStatus(id), nil), ExitFailed, "ATTENTION",
			"starter: redeem-a: points may stay frozen under token " + released.FreezeToken + ": the redemption waits in ATTENTION for a person since 2026-01-02T03:04:05Z", "possible"},
		{"retry on a FROZEN run", []string{"retry"}, both(updateReturns(workflows.RedemptionStatus{}, temporal.NewNonRetryableApplicationError(
			"cannot retry: redemption is FROZEN, not waiting for a person (ATTENTION)", workflows.ErrNotInAttention, nil)), running(redemption(id, workflows.StateFrozen))),
			ExitFailed, "FROZEN", "starter: redeem-a: cannot retry: redemption is FROZEN", ""},
		{"resolve ends it", []string{"resolve", "--note", "done by hand", "--by", "alice"}, updateReturns(resolved, nil), ExitOK, "RESOLVED", "", ""},
		{"a repeat of the resolve is answered", []string{"resolve", "--note", "done by hand"}, closedAs(resolved), ExitOK, "RESOLVED", "", ""},
		{"another resolve after the end is refused", []string{"resolve", "--note", "other"}, closedAs(resolved), ExitFailed, "RESOLVED",
			"starter: cannot resolve redeem-a: redemption is RESOLVED", ""},
		{"status of a run in ATTENTION exits 1", []string{"status"}, both(running(parkedStatus(id)), func(c *mocks.Client) {
			c.On("DescribeWorkflowExecution", mock.Anything, id, "run-a").Return(nil, serviceerror.NewNotFound("x"))
		}), ExitFailed, "ATTENTION", "starter: redeem-a: points may stay frozen", "possible"},
		{"cancel that parks says so", []string{"cancel"}, both(updateReturns(workflows.RedemptionStatus{}, temporal.NewNonRetryableApplicationError(
			"release could not be confirmed; the redemption waits in ATTENTION", workflows.ErrReleaseFailed, nil, workflows.StrandedFreeze{FreezeToken: "tok"})),
			running(parkedStatus(id))), ExitFailed, "ATTENTION", "starter: redeem-a: points may stay frozen", "possible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &mocks.Client{}
			tt.setup(c)
			app := newApp(c)
			app.Identity = "1@host"
			code, stdout, stderr := runApp(t, app, append(tt.args, "--id", id, "--json")...)
			require.Equal(t, tt.wantCode, code, stderr)
			m := decodeReport(t, stdout)
			require.Equal(t, tt.wantState, m["state"])
			if tt.stranded != "" {
				require.Equal(t, tt.stranded, m["stranded"])
			}
			if tt.wantLine == "" {
				require.Empty(t, stderr)
			} else {
				require.True(t, strings.HasPrefix(stderr, tt.wantLine), stderr)
			}
			for _, call := range c.Calls {
				if call.Method != "UpdateWorkflow" {
					continue
				}
				o := call.Arguments.Get(1).(client.UpdateWorkflowOptions)
				if tt.args[0] == "resolve" {
					require.Equal(t, workflows.UpdateResolve, o.UpdateName)
					req := o.Args[0].(workflows.ResolveRequest)
					require.Equal(t, tt.args[2], req.Note)
					if len(tt.args) > 3 {
						require.Equal(t, "alice via 1@host", req.Identity, "who, then the client's identity")
					} else {
						require.Equal(t, "1@host", req.Identity)
					}
				}
			}
		})
	}
}

func TestResolveUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"resolve", "--id", "w"},
		{"resolve", "--id", "w", "--note", "  "},
		{"resolve", "--id", "w", "--note", "a\x1b[2Jb"},
		{"resolve", "--note", "n"},
		{"retry"},
	} {
		code, _, stderr := runApp(t, newApp(&mocks.Client{}), args...)
		require.Equal(t, ExitUsage, code, "%q: %s", args, stderr)
	}
}
