package versioning

import (
	"io"
	"log/slog"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
)

// replay replays h on the workflows register registers.
func replay(h *historypb.History, register func(worker.WorkflowRegistry)) error {
	r := worker.NewWorkflowReplayer()
	register(r)
	return r.ReplayWorkflowHistory(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), h)
}
