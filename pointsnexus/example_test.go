package pointsnexus_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nexus-rpc/sdk-go/nexus"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporalnexus"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/crmtest"
	"github.com/kylinpoints/kylin-points/pointsnexus"
	"github.com/kylinpoints/kylin-points/workflows"
)

// Checkout is what another team's workflow knows of an order paid in points.
type Checkout struct {
	OrderID, Member string
	Points          float64
}

// PaidSignal is the signal the other team's checkout workflow receives when
// the customer has paid the rest of the order.
const PaidSignal = "paid"

// payWithin is how long the customer has to pay.
const payWithin = 10 * time.Minute

// CheckoutWorkflow is another team's workflow, in its own namespace: it
// reaches kylin-points only through the Nexus endpoint, with the operation
// references and types of package pointsnexus. It holds the member's points
// (the redeem operation) while the customer pays; paid, it confirms them
// (consumed); not paid in time, it cancels the redeem operation, which
// releases them. A redemption the CRM refused ends on its own (FAILED).
func CheckoutWorkflow(ctx workflow.Context, order Checkout) (workflows.RedemptionStatus, error) {
	c := workflow.NewNexusClient(pointsnexus.EndpointName, pointsnexus.ServiceName)
	opts := workflow.NexusOperationOptions{ScheduleToCloseTimeout: 30 * time.Minute}
	rctx, cancelRedeem := workflow.WithCancel(ctx)
	redeem := c.ExecuteOperation(rctx, pointsnexus.RedeemOperation, pointsnexus.RedeemInput{
		Key: order.OrderID, // the business key: the redemption runs as nexus/<caller namespace>/redeem-<key>, once
		RedemptionRequest: workflows.RedemptionRequest{
			MemberID: order.Member, Points: order.Points, Description: "order " + order.OrderID,
		},
	}, opts)

	paid, ended := false, false
	wait := workflow.NewSelector(ctx)
	wait.AddReceive(workflow.GetSignalChannel(ctx, PaidSignal), func(ch workflow.ReceiveChannel, _ bool) {
		ch.Receive(ctx, nil)
		paid = true
	})
	wait.AddFuture(workflow.NewTimer(ctx, payWithin), func(workflow.Future) {})
	wait.AddFuture(redeem, func(workflow.Future) { ended = true })
	wait.Select(ctx)

	switch {
	case paid:
		// Held until FROZEN if the freeze is still under way.
		var decided workflows.RedemptionStatus
		err := c.ExecuteOperation(ctx, pointsnexus.ConfirmOperation, pointsnexus.ConfirmInput{Key: order.OrderID}, opts).Get(ctx, &decided)
		if err != nil {
			return decided, err // pointsnexus.ErrorType(err) names a refusal
		}
	case !ended:
		cancelRedeem() // kylin-points releases the frozen points
	}
	var final workflows.RedemptionStatus
	err := redeem.Get(ctx, &final)
	return final, err
}

// callerLinked is an operation that adds to every start request the link to
// the caller's workflow that a Temporal server adds to the requests it sends
// for a workflow's Nexus operation (pointsnexus.CallerNamespace). The SDK's
// test environment sends none; a real caller's server always does, so a
// caller's own code never needs this.
type callerLinked[I, O any] struct {
	nexus.Operation[I, O]
	link nexus.Link
}

func (op callerLinked[I, O]) Start(ctx context.Context, in I, opts nexus.StartOperationOptions) (nexus.HandlerStartOperationResult[O], error) {
	opts.Links = append(opts.Links, op.link)
	return op.Operation.Start(ctx, in, opts)
}

// serviceAsCalledFrom is the points service whose redeem operation is
// started as if by a workflow of namespace ns, as a server would.
func serviceAsCalledFrom(ns, workflowID string) *nexus.Service {
	link := temporalnexus.ConvertLinkWorkflowEventToNexusLink(&commonpb.Link_WorkflowEvent{
		Namespace: ns, WorkflowId: workflowID, RunId: "run",
		Reference: &commonpb.Link_WorkflowEvent_EventRef{EventRef: &commonpb.Link_WorkflowEvent_EventReference{
			EventId: 5, EventType: enumspb.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
		}},
	})
	points := pointsnexus.NewService()
	s := nexus.NewService(pointsnexus.ServiceName)
	for _, name := range []string{pointsnexus.OpFreeze, pointsnexus.OpConfirm, pointsnexus.OpCancel, pointsnexus.OpStatus, pointsnexus.OpRelease, pointsnexus.OpConsume} {
		s.MustRegister(points.Operation(name))
	}
	redeem := points.Operation(pointsnexus.OpRedeem).(nexus.Operation[pointsnexus.RedeemInput, workflows.RedemptionStatus])
	s.MustRegister(callerLinked[pointsnexus.RedeemInput, workflows.RedemptionStatus]{Operation: redeem, link: link})
	return s
}

// A workflow of another team calls kylin-points over Nexus. Here the SDK's
// test environment runs it with the real service "points", whose redeem
// operation starts the real RedemptionWorkflow, with the real activities,
// against a CRM that prints its calls: one customer does not pay in time,
// and another has too few points. The caller's namespace is "checkout".
// The refused freeze is followed by a release under its own token: a refusal
// alone does not prove that no earlier attempt froze (docs/design.md).
//
// The paid branch is not run here: the confirm operation sends an Update
// through the worker's Temporal client, which the SDK's test environment
// does not give Nexus handlers (it starts and cancels workflows only).
// tests/nexus runs it, and every other operation, against a real server
// from a second namespace.
func Example() {
	for _, order := range []Checkout{
		{OrderID: "1001", Member: "m-1", Points: 5},
		{OrderID: "1002", Member: "m-2", Points: 500},
	} {
		// A CRM that prints its calls, and refuses a freeze of more than 100
		// points as the Kylin CRM does a member's who has fewer.
		kylin := &crmtest.Printer{W: os.Stdout, Prefix: "  ", Refuse: func(req crm.Request) *crm.Error {
			if req.Points <= 100 {
				return nil
			}
			return &crm.Error{Class: crm.ClassRejected, Op: crm.OpFreeze, Status: 200, Code: "POINT_NOT_ENOUGH", Message: "not enough points"}
		}}
		var suite testsuite.WorkflowTestSuite
		suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
		env := suite.NewTestWorkflowEnvironment()
		// A busy machine may hold a workflow goroutine for longer than the
		// default second before the test environment calls it a deadlock.
		env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
		// The kylin-points worker's side: the workflows, the activities and
		// the Nexus service.
		workflows.Register(env, &activities.Activities{CRM: kylin})
		env.RegisterNexusService(serviceAsCalledFrom("checkout", "checkout-"+order.OrderID))
		// The other team's side.
		env.RegisterWorkflow(CheckoutWorkflow)
		env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "checkout-" + order.OrderID})

		fmt.Println("order " + order.OrderID + ":")
		env.ExecuteWorkflow(CheckoutWorkflow, order)
		var final workflows.RedemptionStatus
		if err := env.GetWorkflowResult(&final); err != nil {
			fmt.Println("  failed:", err)
			continue
		}
		line := fmt.Sprintf("  %s: %s", final.WorkflowID, final.State)
		if final.Decision != "" {
			line += ", decision " + final.Decision
		}
		if final.Error != "" {
			line += ": " + final.Error
		}
		fmt.Println(line)
	}
	// Output:
	// order 1001:
	//   CRM freeze  5 points of m-1, token 3302ba5b…
	//   CRM release 5 points of freeze 3302ba5b…, token f648ae63…
	//   nexus/checkout/redeem-1001: RELEASED, decision workflow-cancelled
	// order 1002:
	//   CRM freeze  500 points of m-2, token a3bbd1e7…
	//   CRM release 500 points of freeze a3bbd1e7…, token 8c76dc1e…
	//   nexus/checkout/redeem-1002: FAILED: freeze a3bbd1e7-9af7-5985-9451-fbc9564c40a9 of 500 points of member m-2 was undone: it was refused (crm freeze: rejected: HTTP 200: POINT_NOT_ENOUGH: not enough points; a refusal does not say whether an earlier request under token a3bbd1e7-9af7-5985-9451-fbc9564c40a9 was applied); it was released, nothing stays frozen
}
