package chaoskit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// attempts counts, per activity type, the activities a run executed and the
// retries they needed, read from the workflow histories: an
// ActivityTaskStarted event carries the attempt that ended the activity, so
// a retry is every attempt beyond the first.
type attempts struct {
	activities map[string]int64
	retries    map[string]int64
}

func countAttempts(ctx context.Context, c client.Client, p Plan) (attempts, error) {
	a := attempts{activities: map[string]int64{}, retries: map[string]int64{}}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		slots    = make(chan struct{}, 16)
	)
	for _, r := range p.redemptions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			acts, retries, err := historyAttempts(ctx, c, r.id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			for k, v := range acts {
				a.activities[k] += v
			}
			for k, v := range retries {
				a.retries[k] += v
			}
		}()
	}
	wg.Wait()
	return a, firstErr
}

func historyAttempts(ctx context.Context, c client.Client, id string) (acts, retries map[string]int64, err error) {
	acts, retries = map[string]int64{}, map[string]int64{}
	types := map[int64]string{}
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, nil, err
		}
		if s := e.GetActivityTaskScheduledEventAttributes(); s != nil {
			types[e.GetEventId()] = s.GetActivityType().GetName()
		}
		if s := e.GetActivityTaskStartedEventAttributes(); s != nil {
			name := types[s.GetScheduledEventId()]
			acts[name]++
			retries[name] += int64(max(s.GetAttempt(), 1) - 1)
		}
	}
	return acts, retries, nil
}

// diagnose describes a redemption that did not end: its pending work and
// the last events of its history, for the test log.
func diagnose(ctx context.Context, c client.Client, id string) string {
	var b strings.Builder
	d, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return fmt.Sprintf("%s: describe: %v", id, err)
	}
	info := d.GetWorkflowExecutionInfo()
	fmt.Fprintf(&b, "%s: status %s, %d events", id, info.GetStatus(), info.GetHistoryLength())
	for _, a := range d.GetPendingActivities() {
		fmt.Fprintf(&b, "\n  pending %s: %s, attempt %d, next at %s, last failure %q",
			a.GetActivityType().GetName(), a.GetState(), a.GetAttempt(), a.GetNextAttemptScheduleTime().AsTime().Format(time.RFC3339),
			a.GetLastFailure().GetMessage())
	}
	if wt := d.GetPendingWorkflowTask(); wt != nil {
		fmt.Fprintf(&b, "\n  pending workflow task: %s, attempt %d", wt.GetState(), wt.GetAttempt())
	}
	var events []string
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			break
		}
		events = append(events, fmt.Sprintf("%d %s %s", e.GetEventId(), e.GetEventTime().AsTime().Format("15:04:05.000"), e.GetEventType()))
	}
	fmt.Fprintf(&b, "\n  last events:\n    %s", strings.Join(events[max(0, len(events)-15):], "\n    "))
	return b.String()
}
