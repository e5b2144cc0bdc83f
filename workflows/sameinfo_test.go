package workflows_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/kylinpoints/kylin-points/workflows"
)

// sameInfo is a worker interceptor that hands every instance of a workflow
// execution the same *workflow.Info, as the SDK does when it rebuilds a
// stale cached execution in place (internal_task_handlers.go: ResetIfStale
// keeps the WorkflowInfo). Nothing in the SDK's documentation promises a
// rebuilt execution a new Info, so a freeze step must not depend on one.
type sameInfo struct {
	interceptor.WorkerInterceptorBase
	mu   sync.Mutex
	info map[string]*workflow.Info
}

func (s *sameInfo) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &sameInfoInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, s: s}
}

type sameInfoInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	s *sameInfo
}

func (i *sameInfoInbound) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&sameInfoOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}, s: i.s})
}

type sameInfoOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	s *sameInfo
}

func (o *sameInfoOutbound) GetInfo(ctx workflow.Context) *workflow.Info {
	info := o.Next.GetInfo(ctx)
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	if kept, ok := o.s.info[info.WorkflowExecution.ID]; ok {
		return kept
	}
	o.s.info[info.WorkflowExecution.ID] = info
	return info
}

// Two freezes in one run, rebuilt twice in one process with the same Info:
// each rebuild schedules every activity with the input, and so the token,
// that the history recorded. A count of freezes kept outside the workflow
// would number the second rebuild's first freeze freeze/3.
func TestTwoFreezesRebuiltTwiceWithTheSameInfo(t *testing.T) {
	t.Parallel()
	hist := readHistory(t, filepath.Join("testdata", "v3_two_freezes.json"))
	started := hist.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes()
	keep := &sameInfo{info: map[string]*workflow.Info{}}
	for rebuild := 1; rebuild <= 2; rebuild++ {
		rec := &inputRecorder{}
		replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
			Interceptors: []interceptor.WorkerInterceptor{keep, rec},
		})
		require.NoError(t, err)
		workflows.RegisterWorkflows(replayer)
		registerCallers(replayer)
		require.NoError(t, replayer.ReplayWorkflowHistoryWithOptions(quietLogger(), hist, worker.ReplayWorkflowHistoryOptions{
			OriginalExecution: workflow.Execution{ID: started.GetWorkflowId(), RunID: started.GetOriginalExecutionRunId()},
		}), "rebuild %d", rebuild)
		want, err := recordedActivities(hist)
		require.NoError(t, err)
		require.Len(t, rec.scheduled, len(want), "rebuild %d", rebuild)
		for i, w := range want {
			require.Equal(t, w.Type, rec.scheduled[i].Type, "rebuild %d, activity %d", rebuild, i+1)
			require.JSONEq(t, w.Input, rec.scheduled[i].Input, "rebuild %d, activity %d", rebuild, i+1)
		}
	}
	require.Len(t, keep.info, 1, "both rebuilds saw one Info")
}
