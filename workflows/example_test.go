package workflows_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/crmtest"
	"github.com/kylinpoints/kylin-points/workflows"
)

// Order is another team's business object: a points-mall order paid in
// loyalty points.
type Order struct {
	ID, Member, Item string
	Points           float64
}

// OrderWorkflow is another team's own workflow. It holds the member's
// points while it runs its own step (here: reserve the item in stock), then
// consumes them if the step succeeded, or releases them if it did not.
// Each step carries a token derived from this workflow's ID, so retries,
// crashes and resets never freeze, consume or release twice.
func OrderWorkflow(ctx workflow.Context, order Order) (workflows.SettleResult, error) {
	frozen, err := workflows.FreezePoints(ctx, workflows.FreezeRequest{
		MemberID: order.Member, Points: order.Points, Description: "order " + order.ID,
	})
	if err != nil {
		// Refused (e.g. not enough points), or undone: nothing stays frozen.
		return workflows.SettleResult{}, err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	if err := workflow.ExecuteActivity(actx, ReserveStock, order).Get(ctx, nil); err != nil {
		return workflows.ReleasePoints(ctx, frozen)
	}
	return workflows.ConsumePoints(ctx, frozen, 0) // 0: all the frozen points
}

// ReserveStock is the other team's own activity; it fails for good when
// the item is sold out.
func ReserveStock(_ context.Context, order Order) error {
	if order.Item == "sold-out mug" {
		return temporal.NewNonRetryableApplicationError("sold out: "+order.Item, "SoldOut", nil)
	}
	return nil
}

// A caller's own workflow composes FreezePoints, its own step, and
// ConsumePoints or ReleasePoints. Its worker registers the activities
// (with the CRM client) beside its own workflow and activities; here the
// SDK's test environment plays the worker.
func ExampleFreezePoints() {
	for _, order := range []Order{
		{ID: "order-1001", Member: "m-1", Item: "mug", Points: 5},
		{ID: "order-1002", Member: "m-2", Item: "sold-out mug", Points: 3},
	} {
		var suite testsuite.WorkflowTestSuite
		suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
		env := suite.NewTestWorkflowEnvironment()
		// A busy machine may hold a workflow goroutine for longer than the
		// default second before the test environment calls it a deadlock.
		env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
		env.RegisterWorkflow(OrderWorkflow)
		env.RegisterActivity(ReserveStock)
		env.RegisterActivity(&activities.Activities{CRM: &crmtest.Printer{W: os.Stdout, Prefix: "  "}})
		env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: order.ID})

		fmt.Println(order.ID + ":")
		env.ExecuteWorkflow(OrderWorkflow, order)
		var res workflows.SettleResult
		if err := env.GetWorkflowResult(&res); err != nil {
			fmt.Println("  failed:", err)
			continue
		}
		fmt.Printf("  %s: %s consumed, %s released\n", res.State, crm.FormatPoints(res.ConsumedPoints), crm.FormatPoints(res.ReleasedPoints))
	}
	// Output:
	// order-1001:
	//   CRM freeze  5 points of m-1, token 88d13923…
	//   CRM consume 5 points of freeze 88d13923…, token 8b07b9df…
	//   CONSUMED: 5 consumed, 0 released
	// order-1002:
	//   CRM freeze  3 points of m-2, token 61bae393…
	//   CRM release 3 points of freeze 61bae393…, token 4fa9170b…
	//   RELEASED: 0 consumed, 3 released
}
