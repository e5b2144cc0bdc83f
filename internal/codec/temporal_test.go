package codec

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.temporal.io/server/temporaltest"
	"google.golang.org/protobuf/proto"
)

const testQueue = "codec-test"

// echoMember passes its input through an activity, so that workflow input,
// activity input, activity result and workflow result all hold the secret.
func echoMember(ctx workflow.Context, in member) (member, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out member
	err := workflow.ExecuteActivity(ctx, echoMemberActivity, in).Get(ctx, &out)
	return out, err
}

func echoMemberActivity(_ context.Context, in member) (member, error) { return in, nil }

func TestHistoryHoldsNoPlaintext(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	t.Parallel()
	k1, other := newTestKey(t), newTestKey(t)
	keys := keyring(t, "k1", map[string]testKey{"k1": k1})
	ts := temporaltest.NewServer(temporaltest.WithT(t),
		temporaltest.WithBaseClientOptions(client.Options{DataConverter: DataConverter(keys)}))
	ts.NewWorker(testQueue, func(r worker.Registry) {
		r.RegisterWorkflowWithOptions(echoMember, workflow.RegisterOptions{Name: "EchoMember"})
		r.RegisterActivity(echoMemberActivity)
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	run, err := ts.GetDefaultClient().ExecuteWorkflow(ctx,
		client.StartWorkflowOptions{ID: "codec-history", TaskQueue: testQueue}, "EchoMember", secret)
	require.NoError(t, err)
	var got member
	require.NoError(t, run.Get(ctx, &got))
	require.Equal(t, secret, got, "the keyed client reads its own results")

	raw := ts.NewClientWithOptions(client.Options{})
	payloads := historyPayloads(ctx, t, raw, run.GetID(), run.GetRunID())
	require.Len(t, payloads, 4, "workflow input, activity input, activity result, workflow result")
	for _, p := range payloads {
		require.Equal(t, EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
		require.Equal(t, "k1", string(p.Metadata[MetadataKeyID]))
	}

	t.Run("codec server decodes the history", func(t *testing.T) {
		srv := newTestServer(t, NewServer(NewCodec(keys), ServerOptions{BearerToken: "tok"}))
		decoded, err := remote(srv.URL, "Bearer tok").Decode(payloads)
		require.NoError(t, err)
		for _, p := range decoded {
			var m member
			require.NoError(t, converter.GetDefaultDataConverter().FromPayload(p, &m))
			require.Equal(t, secret, m)
		}
	})

	t.Run("a wrong key fails clearly", func(t *testing.T) {
		wrong := DataConverter(keyring(t, "k1", map[string]testKey{"k1": other}))
		var m member
		err := ts.NewClientWithOptions(client.Options{DataConverter: wrong}).
			GetWorkflow(ctx, run.GetID(), run.GetRunID()).Get(ctx, &m)
		require.ErrorIs(t, err, ErrAuthentication)
		requireNoSecret(t, err.Error(), k1, other)
	})
}

// historyPayloads reads the history without any codec, checks that no event
// holds the secret in any form, and returns the payloads it carries.
func historyPayloads(ctx context.Context, t *testing.T, c client.Client, id, runID string) []*commonpb.Payload {
	t.Helper()
	var payloads []*commonpb.Payload
	it := c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		wire, err := proto.Marshal(ev)
		require.NoError(t, err)
		for _, s := range []string{secret.MemberID, secret.Description, "SECRET", "麒麟"} {
			require.False(t, bytes.Contains(wire, []byte(s)), "event %d (%s) holds %q", ev.GetEventId(), ev.GetEventType(), s)
		}
		payloads = append(payloads, eventPayloads(ev)...)
	}
	return payloads
}

func eventPayloads(ev *historypb.HistoryEvent) []*commonpb.Payload {
	switch {
	case ev.GetWorkflowExecutionStartedEventAttributes() != nil:
		return ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	case ev.GetActivityTaskScheduledEventAttributes() != nil:
		return ev.GetActivityTaskScheduledEventAttributes().GetInput().GetPayloads()
	case ev.GetActivityTaskCompletedEventAttributes() != nil:
		return ev.GetActivityTaskCompletedEventAttributes().GetResult().GetPayloads()
	case ev.GetWorkflowExecutionCompletedEventAttributes() != nil:
		return ev.GetWorkflowExecutionCompletedEventAttributes().GetResult().GetPayloads()
	}
	return nil
}
