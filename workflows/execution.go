package workflows

import (
	"runtime"
	"sync"
	"weak"

	"go.temporal.io/sdk/workflow"
)

// execution is what FreezePoints remembers of one workflow execution: how
// many freezes it has started, so that each gets its own step and token.
//
// Workflow code must not keep state outside the workflow, because a worker
// may drop a cached execution and replay it from the start elsewhere. This
// is kept per in-memory instance of an execution, keyed by its Info (one per
// instance: a replay starts a new instance, with a new count, and numbers
// the same calls the same way, because workflow code runs deterministically).
// An entry goes when its instance is garbage.
type execution struct {
	freezes int
}

var executions = struct {
	sync.Mutex
	m map[weak.Pointer[workflow.Info]]*execution
}{m: map[weak.Pointer[workflow.Info]]*execution{}}

// executionOf returns the record of the workflow execution running ctx.
func executionOf(ctx workflow.Context) *execution {
	info := workflow.GetInfo(ctx)
	key := weak.Make(info)
	executions.Lock()
	defer executions.Unlock()
	e := executions.m[key]
	if e == nil {
		e = &execution{}
		executions.m[key] = e
		runtime.AddCleanup(info, forgetExecution, key)
	}
	return e
}

func forgetExecution(key weak.Pointer[workflow.Info]) {
	executions.Lock()
	defer executions.Unlock()
	delete(executions.m, key)
}

// nextFreezeStep is the step of the next freeze of the execution running ctx.
func nextFreezeStep(ctx workflow.Context) string {
	e := executionOf(ctx)
	executions.Lock()
	defer executions.Unlock()
	e.freezes++
	return FreezeStep(e.freezes)
}

// tokensMayBeUsed reports whether this run is not the first of its workflow
// ID's chain (a reset, a retry, a continue-as-new): an earlier run may then
// have sent this run's tokens already, and a refusal proves nothing.
func tokensMayBeUsed(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	run := info.WorkflowExecution.RunID
	return info.FirstRunID != "" && info.FirstRunID != run || info.OriginalRunID != "" && info.OriginalRunID != run
}
