package observability

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// rawHistory reads a run's events as the server stores them, through c (a
// client without the payload codec).
func rawHistory(ctx context.Context, t *testing.T, c client.Client, workflowID string) []*historypb.HistoryEvent {
	t.Helper()
	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, 0)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		events = append(events, e)
	}
	require.NotEmpty(t, events)
	return events
}

// payloadsOf finds every payload anywhere in the events: inputs, results,
// update arguments, user metadata, memos, failure details.
func payloadsOf(events []*historypb.HistoryEvent) []*commonpb.Payload {
	var out []*commonpb.Payload
	for _, e := range events {
		walk(e.ProtoReflect(), &out)
	}
	return out
}

func walk(m protoreflect.Message, out *[]*commonpb.Payload) {
	switch p := m.Interface().(type) {
	case *commonpb.Payload:
		*out = append(*out, p)
		return
	case *commonpb.SearchAttributes:
		// Indexed for visibility, so never encoded by a codec (the SDK's
		// TemporalChangeVersion, ours); rawBytes still finds any secret in them.
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap() && fd.MapValue().Kind() == protoreflect.MessageKind:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				walk(mv.Message(), out)
				return true
			})
		case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
			for i := 0; i < v.List().Len(); i++ {
				walk(v.List().Get(i).Message(), out)
			}
		case !fd.IsList() && !fd.IsMap() && fd.Kind() == protoreflect.MessageKind:
			walk(v.Message(), out)
		}
		return true
	})
}

// rawBytes is every event's wire form, to search for plaintext anywhere.
func rawBytes(t *testing.T, events []*historypb.HistoryEvent) []byte {
	t.Helper()
	var all []byte
	for _, e := range events {
		b, err := proto.Marshal(e)
		require.NoError(t, err)
		all = append(all, b...)
	}
	return all
}
