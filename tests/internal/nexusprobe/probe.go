// Package nexusprobe is a caller's side of the Nexus service "points" for
// the tests: a workflow that sends one operation through an endpoint and
// returns what it answered, a result or how it was refused, so that a test
// can compare the refusals of attacks (tests/nexus, tests/cluster).
package nexusprobe

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nexus-rpc/sdk-go/nexus"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/pointsnexus"
	"github.com/kylinpoints/kylin-points/workflows"
)

// operationTimeout bounds each operation from the caller's side, retries
// included.
const operationTimeout = time.Minute

// Request names one operation, as any workflow of a caller namespace may
// send it.
type Request struct {
	Endpoint string
	// Op is the operation's name (pointsnexus.OpConfirm, …).
	Op  string
	Key string
	// Redeem is the request of OpRedeem, Freeze that of OpFreeze.
	Redeem workflows.RedemptionRequest
	Freeze workflows.FreezeRequest
}

// Result is what the operation answered: a result, or how it was refused.
type Result struct {
	Status  workflows.RedemptionStatus
	Freeze  workflows.FreezeResult
	Settled workflows.SettleResult
	// HandlerError is the type of the handler's refusal ("" if none),
	// Message its message; ErrorType is the ApplicationError's type of a
	// failed operation (pointsnexus.ErrorType), Reason its message.
	HandlerError string
	Message      string
	ErrorType    string
	Reason       string
}

// Workflow sends one operation and returns what it answered.
func Workflow(ctx workflow.Context, in Request) (Result, error) {
	var res Result
	c := workflow.NewNexusClient(in.Endpoint, pointsnexus.ServiceName)
	opts := workflow.NexusOperationOptions{ScheduleToCloseTimeout: operationTimeout}
	var err error
	switch in.Op {
	case pointsnexus.OpConfirm:
		err = c.ExecuteOperation(ctx, pointsnexus.ConfirmOperation, pointsnexus.ConfirmInput{Key: in.Key}, opts).Get(ctx, &res.Status)
	case pointsnexus.OpCancel:
		err = c.ExecuteOperation(ctx, pointsnexus.CancelOperation, pointsnexus.RedemptionRef{Key: in.Key}, opts).Get(ctx, &res.Status)
	case pointsnexus.OpStatus:
		err = c.ExecuteOperation(ctx, pointsnexus.StatusOperation, pointsnexus.RedemptionRef{Key: in.Key}, opts).Get(ctx, &res.Status)
	case pointsnexus.OpRelease, pointsnexus.OpConsume:
		err = c.ExecuteOperation(ctx, SettleOperation(in.Op), pointsnexus.SettleInput{Key: in.Key}, opts).Get(ctx, &res.Settled)
	case pointsnexus.OpRedeem:
		err = c.ExecuteOperation(ctx, pointsnexus.RedeemOperation, pointsnexus.RedeemInput{Key: in.Key, RedemptionRequest: in.Redeem}, opts).Get(ctx, &res.Status)
	case pointsnexus.OpFreeze:
		err = c.ExecuteOperation(ctx, pointsnexus.FreezeOperation, pointsnexus.FreezeInput{Key: in.Key, FreezeRequest: in.Freeze}, opts).Get(ctx, &res.Freeze)
	default:
		return res, fmt.Errorf("unknown operation %q", in.Op)
	}
	if err != nil {
		if he, ok := errors.AsType[*nexus.HandlerError](err); ok {
			res.HandlerError, res.Message = string(he.Type), he.Message
		}
		res.ErrorType, res.Reason = pointsnexus.ErrorType(err), workflows.Reason(err)
	}
	return res, nil
}

// SettleOperation is the operation named by kind: pointsnexus.OpConsume,
// else the release.
func SettleOperation(kind string) nexus.OperationReference[pointsnexus.SettleInput, workflows.SettleResult] {
	if kind == pointsnexus.OpConsume {
		return pointsnexus.ConsumeOperation
	}
	return pointsnexus.ReleaseOperation
}

// Run runs Workflow with in on taskQueue of c's namespace, where a worker
// has it registered, and returns its answer.
func Run(ctx context.Context, t *testing.T, c client.Client, taskQueue string, in Request) Result {
	t.Helper()
	id := "probe-" + in.Op + "-" + uuid.NewString()[:8]
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, Workflow, in)
	require.NoError(t, err)
	var res Result
	require.NoError(t, run.Get(ctx, &res))
	return res
}
