//go:build record

package workflows_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/workflows"
)

// The recorder runs a real Temporal server; the build tag keeps it, and the
// server, out of the workflows' unit tests, which replay what it recorded.

// TestRecordHistory writes the histories TestReplay replays. It runs only
// with KYLIN_RECORD_HISTORY=1, against a real in-process Temporal server and
// the fake CRM; name one shape to record only that one:
//
//	KYLIN_RECORD_HISTORY=1 go test -tags record ./workflows -run TestRecordHistory -v
//	KYLIN_RECORD_HISTORY=1 go test -tags record ./workflows -run 'TestRecordHistory/freeze_abandoned' -v
//
// Record anew only a shape that is new: a changed recording of a released
// shape hides the very incompatibility the replay test is there to catch.
func TestRecordHistory(t *testing.T) {
	if os.Getenv("KYLIN_RECORD_HISTORY") != "1" {
		t.Skip("set KYLIN_RECORD_HISTORY=1 to record workflows/testdata histories")
	}
	// A fixed identity keeps the recording free of this machine's name.
	const identity = "kylin-record-history"
	ts := temporaltest.NewServer(temporaltest.WithT(t),
		temporaltest.WithBaseClientOptions(client.Options{Identity: identity}),
		temporaltest.WithBaseWorkerOptions(worker.Options{Identity: identity}))
	c := ts.GetDefaultClient()
	require.NoError(t, search.Register(context.Background(), c.OperatorService(), ts.GetDefaultNamespace()))
	for _, rec := range recordings {
		t.Run(strings.TrimSuffix(rec.file, ".json"), func(t *testing.T) {
			// One task queue and fake CRM per shape: each has its own script.
			queue := "record-" + strings.TrimSuffix(rec.file, ".json")
			f := newFakeCRM(rec.script)
			if rec.seed != nil {
				rec.seed(f)
			}
			a := &activities.Activities{CRM: f}
			if rec.search {
				a.Search = activities.Search{Enabled: true, MemberMode: search.MemberRaw}
			}
			ts.NewWorker(queue, func(r worker.Registry) {
				workflows.Register(r, a)
				workflows.RegisterReconcile(r, &workflows.HeldCounter{Client: c, Namespace: ts.GetDefaultNamespace()})
				registerCallers(r)
			})
			for file, hist := range record(t, c, queue, rec) {
				require.NoError(t, os.WriteFile(filepath.Join("testdata", file), historyJSON(t, hist), 0o644))
				t.Logf("recorded %d events in testdata/%s", len(hist.Events), file)
			}
		})
	}
}

// record runs one shape to its end, checks that it ended as it must, and
// returns its history by file: its run's, and with rec.next the last run's
// after it continued as new.
func record(t *testing.T, c client.Client, queue string, rec recording) map[string]*historypb.History {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id := "redeem-" + strings.TrimSuffix(rec.file, ".json")
	opts := client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             queue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}
	switch in := rec.input.(type) {
	case workflows.RedemptionRequest:
		opts.StaticSummary = workflows.RedemptionSummary(in)
	case workflows.FreezeRequest:
		opts.StaticSummary = workflows.FreezeSummary(in)
	case workflows.SettleRequest:
		opts.StaticSummary = workflows.SettleSummary(rec.workflow, in)
	}
	if rec.startShown {
		var points float64
		var member string
		switch in := rec.input.(type) {
		case workflows.RedemptionRequest:
			points, member = in.Points, in.MemberID
		case workflows.FreezeRequest:
			points, member = in.Points, in.MemberID
		}
		opts.TypedSearchAttributes = temporal.NewSearchAttributes(search.State.ValueSet(string(workflows.StateFreezing)),
			search.Points.ValueSet(points), search.Member.ValueSet(member))
	}
	args := []any{rec.input}
	if many, ok := rec.input.([]any); ok {
		args = many
	}
	run, err := c.ExecuteWorkflow(ctx, opts, rec.workflow, args...)
	require.NoError(t, err)
	// The run follows its chain in Get, so its first run ID is read now.
	first := run.GetRunID()
	if rec.drive != nil {
		err := rec.drive(ctx, c, id)
		if rec.wantErr == "" {
			require.NoError(t, err)
		}
	}

	switch rec.workflow {
	case workflows.RedemptionWorkflowName:
		var st workflows.RedemptionStatus
		err := run.Get(ctx, &st)
		if rec.wantErr != "" {
			require.Equal(t, rec.wantErr, workflows.ErrorType(err), "%v", err)
			break
		}
		require.NoError(t, err)
		require.Equal(t, rec.want, st.State, st.Error)
		require.Equal(t, rec.decision, st.Decision)
	case workflows.ReconcileWorkflowName:
		var res workflows.HeldCounts
		require.NoError(t, run.Get(ctx, &res))
		require.NotEmpty(t, res.Counts)
	case twoFreezesName, freezeAcrossRunsName:
		var res []workflows.FreezeResult
		require.NoError(t, run.Get(ctx, &res))
	case workflows.ReleasePointsWorkflowName, workflows.ConsumePointsWorkflowName:
		var res workflows.SettleResult
		require.NoError(t, run.Get(ctx, &res))
		require.Equal(t, rec.want, res.State, res.Error)
	default:
		var res workflows.FreezeResult
		err := run.Get(ctx, &res)
		if rec.wantErr == "" {
			require.NoError(t, err)
			require.NotEmpty(t, res.FreezeToken)
		} else {
			var appErr *temporal.ApplicationError
			require.True(t, errors.As(err, &appErr), "want an ApplicationError, got %v", err)
			require.Equal(t, rec.wantErr, appErr.Type())
		}
	}

	out := map[string]*historypb.History{rec.file: historyOf(ctx, t, c, id, first)}
	if rec.next != "" {
		d, err := c.DescribeWorkflowExecution(ctx, id, "")
		require.NoError(t, err)
		last := d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
		require.NotEqual(t, first, last, "the run continued as new")
		out[rec.next] = historyOf(ctx, t, c, id, last)
	}
	return out
}

func historyOf(ctx context.Context, t *testing.T, c client.Client, id, runID string) *historypb.History {
	hist := &historypb.History{}
	iter := c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		hist.Events = append(hist.Events, e)
	}
	return hist
}
