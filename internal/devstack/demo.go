package devstack

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kylinpoints/kylin-points/workflows"
)

// The demo redemption.
const (
	DemoMember      = "demo-member-1"
	DemoPoints      = 5
	DemoDescription = "积分商城兑换 demo"
	// demoWait bounds each wait of the demo: for the freeze to settle (a
	// worker must be polling) and for the consume after the confirm.
	demoWait = 2 * time.Minute
)

// RunDemo redeems DemoPoints of DemoMember end to end: it starts a
// RedemptionWorkflow and waits until its freeze has settled (one request:
// workflows.Redeem), confirms it and waits until it has ended, writing one
// line per state reached, with the run's Web UI link, to out. It returns
// the final status; an error when the redemption did not end CONSUMED.
func (s *Stack) RunDemo(ctx context.Context, out io.Writer) (workflows.RedemptionStatus, error) {
	req := workflows.RedemptionRequest{MemberID: DemoMember, Points: DemoPoints, Description: DemoDescription}
	id := "demo-" + time.Now().Format("20060102-150405.000000")
	_, _ = fmt.Fprintf(out, "demo: %-9s %s: %g points of %s\n", workflows.StateFreezing, id, req.Points, req.MemberID)
	wctx, cancel := context.WithTimeout(ctx, demoWait)
	defer cancel()
	st, runID, err := workflows.Redeem(wctx, s.client, id, TaskQueue, req, workflows.WithMember(s.workerConfig().Search.ShownMember(req.MemberID)))
	if err != nil {
		return st, fmt.Errorf("demo %s: waiting for the freeze (is a worker polling task queue %s?): %w", id, TaskQueue, err)
	}
	link := s.RunURL(id, runID)
	report := func(st workflows.RedemptionStatus, what string) {
		_, _ = fmt.Fprintf(out, "demo: %-9s %s  %s\n", st.State, what, link)
	}
	if st.State != workflows.StateFrozen {
		report(st, st.Error)
		return st, fmt.Errorf("demo %s ended %s: %s", id, st.State, st.Error)
	}
	report(st, "freeze token "+st.FreezeToken)

	st, _, err = workflows.Decide(wctx, s.client, id, workflows.UpdateConfirm, 0)
	if err != nil {
		return st, fmt.Errorf("demo %s: confirm: %w", id, err)
	}
	if st.State != workflows.StateConsumed {
		report(st, st.Error)
		return st, fmt.Errorf("demo %s ended %s: %s", id, st.State, st.Error)
	}
	report(st, "consume token "+st.ConsumeToken)
	return st, nil
}
