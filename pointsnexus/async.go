package pointsnexus

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporalnexus"

	"github.com/kylinpoints/kylin-points/workflows"
)

// freezeOperation starts FreezePointsWorkflow as "nexus/<caller>/freeze-<key>".
// Cancelling the operation cancels the workflow, which undoes a freeze it
// had not finished (workflows.FreezePoints).
func freezeOperation(set serviceSettings) nexus.Operation[FreezeInput, workflows.FreezeResult] {
	return inServiceSpace(temporalnexus.MustNewWorkflowRunOperationWithOptions(temporalnexus.WorkflowRunOperationOptions[FreezeInput, workflows.FreezeResult]{
		Name: OpFreeze,
		Handler: func(ctx context.Context, in FreezeInput, opts nexus.StartOperationOptions) (temporalnexus.WorkflowHandle[workflows.FreezeResult], error) {
			caller, err := CallerNamespace(opts.Links)
			if err != nil {
				return nil, err
			}
			id, err := FreezeWorkflowID(caller, in.Key)
			return startWorkflow[workflows.FreezeResult](ctx, opts, id, err,
				set.shown(workflows.FreezeOptions(id, "", in.FreezeRequest, set.member(in.MemberID)...)), workflows.FreezePointsWorkflowName, in.FreezeRequest)
		},
	}))
}

// redeemOperation starts RedemptionWorkflow as "nexus/<caller>/redeem-<key>";
// the operation's result is the workflow's: the final RedemptionStatus.
// Cancelling the operation cancels the workflow: FROZEN points are released
// (decision "workflow-cancelled"), and the operation still completes with
// that RELEASED status, as the workflow does.
func redeemOperation(set serviceSettings) nexus.Operation[RedeemInput, workflows.RedemptionStatus] {
	return inServiceSpace(temporalnexus.MustNewWorkflowRunOperationWithOptions(temporalnexus.WorkflowRunOperationOptions[RedeemInput, workflows.RedemptionStatus]{
		Name: OpRedeem,
		Handler: func(ctx context.Context, in RedeemInput, opts nexus.StartOperationOptions) (temporalnexus.WorkflowHandle[workflows.RedemptionStatus], error) {
			caller, err := CallerNamespace(opts.Links)
			if err != nil {
				return nil, err
			}
			id, err := RedemptionWorkflowID(caller, in.Key)
			return startWorkflow[workflows.RedemptionStatus](ctx, opts, id, err,
				set.shown(workflows.RedeemOptions(id, "", in.RedemptionRequest, set.member(in.MemberID)...)), workflows.RedemptionWorkflowName, in.RedemptionRequest)
		},
	}))
}

// startWorkflow starts workflow name as so.ID with arg, for an async
// operation whose result is the workflow's. idErr, from making the ID of
// the caller's key, refuses the request. so are the options every caller
// starts with (workflows.StartOptions; docs/design.md, The idempotency
// token): a workflow ID is used once, for the life of the namespace. A
// retried Nexus start is not refused by that: it carries the same request
// ID, which the server recognises and answers with the run it started
// (temporalnexus passes the request ID on). The task queue, left empty, is
// the worker's own.
func startWorkflow[O any](ctx context.Context, opts nexus.StartOperationOptions, id string, idErr error, so client.StartWorkflowOptions, name string, arg any) (temporalnexus.WorkflowHandle[O], error) {
	if idErr != nil {
		return nil, badRequest(idErr)
	}
	h, err := temporalnexus.ExecuteUntypedWorkflow[O](ctx, opts, so, name, arg)
	return h, startError(id, err)
}

// serviceRunOperation is an async operation whose cancel acts only on runs
// of the service's ID space. A cancel names its run by the operation token,
// which the caller's server keeps from the start's answer; a request sent
// to the frontend's Nexus route directly could write any token, naming any
// workflow of the worker's namespace.
type serviceRunOperation[I, O any] struct {
	nexus.Operation[I, O]
}

func inServiceSpace[I, O any](op nexus.Operation[I, O]) nexus.Operation[I, O] {
	return serviceRunOperation[I, O]{op}
}

// Cancel cancels the run the token names, when the service started it;
// otherwise it answers as for a run that does not exist.
func (o serviceRunOperation[I, O]) Cancel(ctx context.Context, token string, opts nexus.CancelOperationOptions) error {
	if id, ok := tokenWorkflowID(token); !ok || !startedByService(id) {
		return &nexus.HandlerError{Type: nexus.HandlerErrorTypeNotFound, Message: "no operation with this token"}
	}
	return o.Operation.Cancel(ctx, token, opts)
}

// settlementPrefix starts the ID of every settlement (workflows.SettlementID).
var settlementPrefix = workflows.SettlementID("")

// startedByService reports whether the service starts runs with workflow
// ID id: a freeze or redemption of its ID space, or the settlement of such
// a freeze.
func startedByService(id string) bool {
	return IsServiceID(id) || (strings.HasPrefix(id, settlementPrefix) && IsServiceID(strings.TrimPrefix(id, settlementPrefix)))
}

// tokenWorkflowID is the workflow ID in a workflow-run operation token
// (temporalnexus: unpadded base64url of JSON, the ID under "wid").
func tokenWorkflowID(token string) (string, bool) {
	data, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", false
	}
	var t struct {
		WorkflowID string `json:"wid"`
	}
	if json.Unmarshal(data, &t) != nil || t.WorkflowID == "" {
		return "", false
	}
	return t.WorkflowID, true
}
