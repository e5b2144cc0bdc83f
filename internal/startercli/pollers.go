package startercli

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"

	"github.com/kylinpoints/kylin-points/internal/safetext"
)

// Checking that a worker polls, while redeem and freeze wait for the freeze.
const (
	// defaultPollerCheck is how long redeem and freeze wait before they
	// check: a freeze with a worker present settles well within it.
	defaultPollerCheck = 3 * time.Second
	// recentPoll is how recently a worker must have polled to count as
	// polling: a worker's long poll lasts about a minute, and the server
	// remembers a poller for minutes after it went away.
	recentPoll = 2 * time.Minute
)

// warnIfNoWorker checks, once the freeze has taken a.PollerCheck (3s by
// default), that some worker has polled the task queue within recentPoll
// (DescribeTaskQueue), and when none has, says so on stderr in one line;
// the wait goes on. A check that cannot be made says nothing. The returned
// stop ends the check and waits for it, so nothing is written after the
// command's own output.
func (a *App) warnIfNoWorker(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		timer := time.NewTimer(a.pollerCheck())
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		resp, err := a.Client.DescribeTaskQueue(ctx, a.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err != nil || ctx.Err() != nil || polledSince(resp.GetPollers(), time.Now().Add(-recentPoll)) {
			return
		}
		fmt.Fprintln(a.Stderr, "starter: "+safetext.Line(fmt.Sprintf(
			"no worker has polled task queue %s in namespace %s in the last %s: still waiting for the freeze "+
				"(start a worker with KYLIN_TASK_QUEUE=%s; Ctrl-C stops waiting, not the run)",
			a.TaskQueue, a.Namespace, recentPoll, a.TaskQueue), maxLineChars))
	}()
	return func() {
		cancel()
		<-done
	}
}

// polledSince reports whether any of pollers polled at or after since.
func polledSince(pollers []*taskqueuepb.PollerInfo, since time.Time) bool {
	for _, p := range pollers {
		if !p.GetLastAccessTime().AsTime().Before(since) {
			return true
		}
	}
	return false
}

func (a *App) pollerCheck() time.Duration {
	if a.PollerCheck > 0 {
		return a.PollerCheck
	}
	return defaultPollerCheck
}
