package pointsnexus_test

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
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

// A workflow of another team calls kylin-points over Nexus. Here the SDK's
// test environment runs it with the real service "points", whose redeem
// operation starts the real RedemptionWorkflow, with the real activities,
// against a CRM that prints its calls: one customer does not pay in time,
// and another has too few points.
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
		// The kylin-points worker's side: the workflows, the activities and
		// the Nexus service.
		workflows.Register(env, &activities.Activities{CRM: kylin})
		env.RegisterNexusService(pointsnexus.NewService())
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
	// The SDK's test environment sends no link to the caller's workflow, which
	// the service requires since it binds runs to the caller's namespace, so
	// this example compiles but does not run here; tests/nexus runs the same
	// calls against a real server from a second namespace.
}
