package workflows

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/internal/search"
)

// The client side of the workflows: how a caller (the starter, the dev
// stack, the tests) starts them, waits for their freeze, decides them and
// links to them. It needs the SDK's client only, never the Temporal server.

// decideRetryEvery is how soon a decision refused as not yet FROZEN is sent again.
const decideRetryEvery = 200 * time.Millisecond

// StartOptions are the options every caller starts a kylin-points workflow
// with: the business key as its ID, never run twice (one business request =
// one workflow ID = one token per step, for the life of the namespace: a
// start with an ID in use, running or closed, fails), on taskQueue, with the
// Web UI's one-line summary.
func StartOptions(id, taskQueue, summary string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                taskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            summary,
	}
}

// Redeem starts RedemptionWorkflow id with req on taskQueue and returns once
// its freeze has settled, in one request (Update-with-Start of
// UpdateAwaitFreeze): no query, no polling. The status is FROZEN, FAILED
// (nothing frozen), or RELEASING while a freeze that did not settle is
// undone. runID is set whenever the run was started, even with an error
// (ctx ended first: no worker polls taskQueue?). An ID in use is refused
// with the server's WorkflowExecutionAlreadyStarted error, and nothing runs.
// The run starts at PriorityCashier (fairness key: the shop code), so that
// its workflow tasks go before background settlements' on a busy queue.
func Redeem(ctx context.Context, c client.Client, id, taskQueue string, req RedemptionRequest, opts ...StartOption) (RedemptionStatus, string, error) {
	var st RedemptionStatus
	runID, err := startAndAwaitFreeze(ctx, c, RedeemOptions(id, taskQueue, req, opts...), RedemptionWorkflowName, req, &st)
	return st, runID, err
}

// RedeemOptions are the options Redeem starts RedemptionWorkflow id of req
// with, for a caller that starts it another way (the Nexus service):
// StartOptions, PriorityCashier with the shop code as fairness key, and the
// run's first search attributes (FREEZING, the points, and the member as
// WithMember gives it), which a namespace without them refuses.
func RedeemOptions(id, taskQueue string, req RedemptionRequest, opts ...StartOption) client.StartWorkflowOptions {
	so := StartOptions(id, taskQueue, RedemptionSummary(req))
	so.Priority = cashierPriority(req.ShopCode)
	return startShown(so, req.Points, opts)
}

// Freeze starts FreezePointsWorkflow id with req on taskQueue and returns
// its result once the freeze has settled, as Redeem does.
func Freeze(ctx context.Context, c client.Client, id, taskQueue string, req FreezeRequest, opts ...StartOption) (FreezeResult, string, error) {
	var res FreezeResult
	runID, err := startAndAwaitFreeze(ctx, c, FreezeOptions(id, taskQueue, req, opts...), FreezePointsWorkflowName, req, &res)
	return res, runID, err
}

// FreezeOptions are the options Freeze starts FreezePointsWorkflow id of req
// with, as RedeemOptions are Redeem's.
func FreezeOptions(id, taskQueue string, req FreezeRequest, opts ...StartOption) client.StartWorkflowOptions {
	so := StartOptions(id, taskQueue, FreezeSummary(req))
	so.Priority = cashierPriority(req.ShopCode)
	return startShown(so, req.Points, opts)
}

// A StartOption adds to how Redeem and Freeze start a run.
type StartOption func(*startSettings)

type startSettings struct{ member string }

// WithMember gives the run's Member search attribute at its start: value is
// what the worker's search settings make of the member ID (KYLIN_SEARCH_MEMBER
// and its key, as the starter's config.Search.MemberValue computes it; ""
// gives none). Redeem and Freeze always give the state (FREEZING) and the
// points at the start; a run whose start already holds every attribute its
// first state would upsert leaves that upsert out (one billable action less
// on Temporal Cloud, where attributes given at the start are free). A value
// that is not the worker's costs nothing but the saving: the run upserts
// its own.
func WithMember(value string) StartOption {
	return func(s *startSettings) { s.member = value }
}

// startShown returns so with the search attributes of a run's first state,
// FREEZING, given at the start.
func startShown(so client.StartWorkflowOptions, points float64, opts []StartOption) client.StartWorkflowOptions {
	var s startSettings
	for _, o := range opts {
		o(&s)
	}
	attrs := []temporal.SearchAttributeUpdate{search.State.ValueSet(string(StateFreezing)), search.Points.ValueSet(points)}
	if s.member != "" {
		attrs = append(attrs, search.Member.ValueSet(s.member))
	}
	so.TypedSearchAttributes = temporal.NewSearchAttributes(attrs...)
	return so
}

// startAndAwaitFreeze starts the run and waits for its freeze. A namespace
// that lacks the search attributes (a worker with KYLIN_SEARCH_ATTRIBUTES
// off) refuses a start that gives them, and starts nothing: the run is
// started again without them.
func startAndAwaitFreeze(ctx context.Context, c client.Client, opts client.StartWorkflowOptions, workflow string, arg, result any) (string, error) {
	runID, err := startAwaiting(ctx, c, opts, workflow, arg, result)
	if err != nil && runID == "" && opts.TypedSearchAttributes.Size() > 0 && unknownSearchAttribute(err) {
		opts.TypedSearchAttributes = temporal.SearchAttributes{}
		runID, err = startAwaiting(ctx, c, opts, workflow, arg, result)
	}
	return runID, err
}

func startAwaiting(ctx context.Context, c client.Client, opts client.StartWorkflowOptions, workflow string, arg, result any) (string, error) {
	start := c.NewWithStartWorkflowOperation(opts, workflow, arg)
	handle, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   UpdateAwaitFreeze,
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err == nil {
		err = handle.Get(ctx, result)
	}
	return startedRunID(start), err
}

// unknownSearchAttribute reports whether err is the server refusing a start
// for a search attribute its namespace does not define.
func unknownSearchAttribute(err error) bool {
	_, invalid := errors.AsType[*serviceerror.InvalidArgument](err)
	return invalid && strings.Contains(strings.ToLower(err.Error()), "search attribute")
}

// startedRunID is the run a with-start operation started, or "" when it
// did not (or it is not known yet).
func startedRunID(start client.WithStartWorkflowOperation) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	run, err := start.Get(ctx)
	if err != nil || run == nil {
		return ""
	}
	return run.GetRunID()
}

// AwaitFreeze waits until the freeze of running redemption id has settled
// and returns its status then (UpdateAwaitFreeze on the existing run).
func AwaitFreeze(ctx context.Context, c client.Client, id string) (RedemptionStatus, error) {
	var st RedemptionStatus
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: UpdateAwaitFreeze,
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return st, err
	}
	return st, h.Get(ctx, &st)
}

// Decide sends the confirm (consuming points, 0 meaning all) or the cancel
// Update to redemption id and waits until it has ended: the answer is its
// final status. The Update has a fixed ID per decision and amount, so a
// repeat joins the first instead of queueing another. Refused as not FROZEN
// while the redemption still is FREEZING or FROZEN (sent right after the
// start, or reaching a worker that is still replaying the freeze), it is
// sent again until ctx ends; any other refusal is returned (an
// ApplicationError of type ErrNotFrozen carrying the RedemptionStatus).
func Decide(ctx context.Context, c client.Client, id, update string, points float64) (RedemptionStatus, string, error) {
	return DecideBy(ctx, c, id, update, points, time.Time{})
}

// DecideBy is Decide for a caller that must answer by answerBy, such as a
// Nexus handler within its request's deadline: once the redemption has
// accepted the decision, it waits for the end only until answerBy, then
// answers with the status on the way (CONSUMING or RELEASING, Decision
// set). The decision is recorded either way and will be carried out. The
// zero answerBy waits for the end, as Decide does. Decide and the Nexus
// operations confirm and cancel share this one implementation.
func DecideBy(ctx context.Context, c client.Client, id, update string, points float64, answerBy time.Time) (RedemptionStatus, string, error) {
	opts := DecisionOptions(id, update, points)
	if !answerBy.IsZero() {
		// Accepted first: a rejection is known at once, and an accepted
		// decision is waited for only as long as answerBy allows.
		opts.WaitForStage = client.WorkflowUpdateStageAccepted
	}
	for {
		var st RedemptionStatus
		handle, err := c.UpdateWorkflow(ctx, opts)
		if err == nil {
			st, err = awaitDecision(ctx, c, handle, answerBy)
		}
		if renewUpdateID(&opts, err) {
			continue
		}
		if err == nil && !st.State.Terminal() && answerBy.IsZero() {
			// The run continued as new while carrying the decision out (a
			// long outage): its result follows the chain of runs. (With
			// answerBy, a status on the way is the answer.)
			run := c.GetWorkflow(ctx, id, "")
			err = run.Get(ctx, &st)
			return st, run.GetRunID(), err
		}
		if err == nil {
			return st, handle.RunID(), nil
		}
		if refused, ok := Refusal(err); !ok || (refused.State != StateFreezing && refused.State != StateFrozen) {
			return st, "", err
		}
		select {
		case <-ctx.Done():
			return st, "", err
		case <-time.After(decideRetryEvery):
		}
	}
}

// awaitDecision reads the outcome of the decision's Update: a rejection, or
// the final status. With answerBy set (the Update was sent waiting for its
// acceptance only), an accepted Update still running then answers with the
// status at that moment.
func awaitDecision(ctx context.Context, c client.Client, h client.WorkflowUpdateHandle, answerBy time.Time) (RedemptionStatus, error) {
	var st RedemptionStatus
	if answerBy.IsZero() {
		return st, h.Get(ctx, &st)
	}
	wctx, cancel := context.WithDeadline(ctx, answerBy)
	defer cancel()
	err := h.Get(wctx, &st)
	if err != nil && wctx.Err() != nil && ctx.Err() == nil {
		// Accepted, still settling: where it stands now.
		return Status(ctx, c, h.WorkflowID(), "")
	}
	return st, err
}

// renewUpdateID gives opts a fresh Update ID, once, when the server answered
// Internal to the fixed one. Seen on server v1.32.1: after a reset to before
// an accepted Update, a new Update with that Update ID fails with Internal
// every time. The redemption itself answers a repeat of the winner, so a
// fresh ID is as safe; the fixed one only saves history events.
func renewUpdateID(opts *client.UpdateWorkflowOptions, err error) bool {
	if _, internal := errors.AsType[*serviceerror.Internal](err); !internal || strings.Contains(opts.UpdateID, "#") {
		return false
	}
	opts.UpdateID += "#" + uuid.NewString()
	return true
}

// DecisionOptions are the options of the confirm (consuming points, 0
// meaning all) or cancel Update to redemption id, waiting until it has
// completed. The Update ID is fixed per decision and amount, so that a
// repeat, from any client, joins the first instead of queueing another.
func DecisionOptions(id, update string, points float64) client.UpdateWorkflowOptions {
	opts := client.UpdateWorkflowOptions{
		WorkflowID:   id,
		UpdateID:     update,
		UpdateName:   update,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	if update == UpdateConfirm && points != 0 {
		opts.UpdateID = fmt.Sprintf("%s/%d", update, crm.Hundredths(points))
		opts.Args = []any{ConfirmRequest{Points: points}}
	}
	return opts
}

// Status asks run runID of redemption id ("" for the latest) for its
// status: a query, answered by a worker.
func Status(ctx context.Context, c client.Client, id, runID string) (RedemptionStatus, error) {
	var st RedemptionStatus
	v, err := c.QueryWorkflow(ctx, id, runID, QueryStatus)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}

// Refusal is the redemption's status carried by a confirm or cancel refused
// as ErrNotFrozen.
func Refusal(err error) (RedemptionStatus, bool) {
	appErr, ok := errors.AsType[*temporal.ApplicationError](err)
	if !ok || appErr.Type() != ErrNotFrozen {
		return RedemptionStatus{}, false
	}
	var st RedemptionStatus
	_ = appErr.Details(&st) // without details the state stays ""
	return st, true
}

// RunURL is the page of run runID of workflow id in the Web UI at uiBase
// (e.g. http://localhost:8233), or "" without a base or a run.
func RunURL(uiBase, namespace, id, runID string) string {
	if uiBase == "" || id == "" || runID == "" {
		return ""
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s/history", uiBase,
		url.PathEscape(namespace), url.PathEscape(id), url.PathEscape(runID))
}

// Retry sends the retry Update to redemption id, waiting in ATTENTION for a
// person: it settles again now under the same tokens, and answers the status
// after that attempt (the end, or ATTENTION again). A run not in ATTENTION
// refuses it with ErrNotInAttention, whose details are the status.
func Retry(ctx context.Context, c client.Client, id string) (RedemptionStatus, string, error) {
	return attentionUpdate(ctx, c, id, UpdateRetry)
}

// Resolve sends the resolve Update to redemption id, waiting in ATTENTION:
// a person checked the CRM and settled the points there; the run ends
// RESOLVED with req's note and identity, and its final status is the
// answer. A run not in ATTENTION refuses it (ErrNotInAttention).
func Resolve(ctx context.Context, c client.Client, id string, req ResolveRequest) (RedemptionStatus, string, error) {
	return attentionUpdate(ctx, c, id, UpdateResolve, req)
}

func attentionUpdate(ctx context.Context, c client.Client, id, name string, args ...any) (RedemptionStatus, string, error) {
	var st RedemptionStatus
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name, Args: args,
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return st, "", err
	}
	err = h.Get(ctx, &st)
	return st, h.RunID(), err
}

// NotInAttention is the redemption's status carried by a retry or resolve
// refused as ErrNotInAttention.
func NotInAttention(err error) (RedemptionStatus, bool) {
	appErr, ok := errors.AsType[*temporal.ApplicationError](err)
	if !ok || appErr.Type() != ErrNotInAttention {
		return RedemptionStatus{}, false
	}
	var st RedemptionStatus
	_ = appErr.Details(&st)
	return st, true
}
