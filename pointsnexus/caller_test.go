package pointsnexus

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/nexus-rpc/sdk-go/nexus"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporalnexus"
)

// linkFrom is the link the server puts on a request sent for a workflow of
// namespace ns.
func linkFrom(ns string) nexus.Link {
	return temporalnexus.ConvertLinkWorkflowEventToNexusLink(&commonpb.Link_WorkflowEvent{
		Namespace: ns, WorkflowId: "order-1", RunId: "run-1",
		Reference: &commonpb.Link_WorkflowEvent_EventRef{EventRef: &commonpb.Link_WorkflowEvent_EventReference{
			EventId: 5, EventType: enumspb.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
		}},
	})
}

func TestCallerNamespace(t *testing.T) {
	t.Parallel()
	other := nexus.Link{URL: &url.URL{Scheme: "https", Host: "example.com"}, Type: "example.Other"}
	malformed := linkFrom("orders")
	malformed.URL = &url.URL{Scheme: "temporal", Path: "/nothing"}
	for _, tc := range []struct {
		name    string
		links   []nexus.Link
		want    string
		problem string
	}{
		{name: "the server's link", links: []nexus.Link{linkFrom("orders")}, want: "orders"},
		{name: "other links are ignored", links: []nexus.Link{other, linkFrom("orders")}, want: "orders"},
		{name: "two links, one namespace", links: []nexus.Link{linkFrom("orders"), linkFrom("orders")}, want: "orders"},
		{name: "a namespace with a slash", links: []nexus.Link{linkFrom("a/b")}, want: "a/b"},
		{name: "no link", problem: "no link to the caller's workflow"},
		{name: "only other links", links: []nexus.Link{other}, problem: "no link to the caller's workflow"},
		{name: "links naming two namespaces", links: []nexus.Link{linkFrom("orders"), linkFrom("intruder")}, problem: "more than one caller namespace"},
		{name: "a malformed link", links: []nexus.Link{malformed}, problem: "malformed"},
		{name: "an overlong namespace", links: []nexus.Link{linkFrom(strings.Repeat("n", maxCallerLength+1))}, problem: "longer than 255 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := CallerNamespace(tc.links)
			if tc.problem == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			var he *nexus.HandlerError
			require.ErrorAs(t, err, &he)
			require.Equal(t, nexus.HandlerErrorTypeUnauthorized, he.Type, "refused for good, not retried")
			require.False(t, he.Retryable())
			require.Contains(t, he.Message, tc.problem)
			require.Empty(t, got)
		})
	}
}

// cancelRecorder is an operation that records the cancels that reach it.
type cancelRecorder struct {
	nexus.UnimplementedOperation[RedemptionRef, string]
	cancelled []string
}

func (*cancelRecorder) Name() string { return "recorder" }

func (r *cancelRecorder) Cancel(_ context.Context, token string, _ nexus.CancelOperationOptions) error {
	r.cancelled = append(r.cancelled, token)
	return nil
}

// workflowRunToken is the token temporalnexus gives a workflow-run operation.
func workflowRunToken(wid string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(`{"t":1,"ns":"kylin","wid":"` + wid + `"}`))
}

func TestCancelActsOnlyOnServiceRuns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, token string
		reaches     bool
	}{
		{name: "a redemption started through Nexus", token: workflowRunToken("nexus/orders/redeem-1001"), reaches: true},
		{name: "a freeze started through Nexus", token: workflowRunToken("nexus/orders/freeze-1001"), reaches: true},
		{name: "the settlement of a Nexus freeze", token: workflowRunToken("settle-nexus/orders/freeze-1001"), reaches: true},
		{name: "a starter's redemption", token: workflowRunToken("redeem-1001")},
		{name: "a starter's freeze", token: workflowRunToken("freeze-1001")},
		{name: "a starter's settlement", token: workflowRunToken("settle-freeze-1001")},
		{name: "another team's workflow", token: workflowRunToken("order-1001")},
		{name: "not a token", token: "%%%"},
		{name: "a token naming no workflow", token: base64.RawURLEncoding.EncodeToString([]byte(`{"t":1}`))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &cancelRecorder{}
			op := inServiceSpace[RedemptionRef, string](rec)
			err := op.Cancel(context.Background(), tc.token, nexus.CancelOperationOptions{})
			if tc.reaches {
				require.NoError(t, err)
				require.Equal(t, []string{tc.token}, rec.cancelled)
				return
			}
			var he *nexus.HandlerError
			require.True(t, errors.As(err, &he), "%v", err)
			require.Equal(t, nexus.HandlerErrorTypeNotFound, he.Type)
			require.Equal(t, "no operation with this token", he.Message, "the same answer whether the run exists or not")
			require.Empty(t, rec.cancelled, "nothing cancelled")
		})
	}
}

func TestTokenCaller(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		token, want string
		ok          bool
	}{
		{workflowRunToken("nexus/orders/redeem-1001"), "orders", true},
		{workflowRunToken("nexus/orders/freeze-a/b"), "orders", true},
		{workflowRunToken("settle-nexus/orders.a2dd6/freeze-1001"), "orders.a2dd6", true},
		{workflowRunToken("nexus/a%2Fb/redeem-1"), "a/b", true},
		{workflowRunToken("redeem-1001"), "", false},
		{workflowRunToken("settle-freeze-1001"), "", false},
		{workflowRunToken("nexus/"), "", false},
		{workflowRunToken("nexus//redeem-1"), "", false},
		{"not a token", "", false},
	} {
		got, ok := TokenCaller(tc.token)
		require.Equal(t, tc.ok, ok, tc.token)
		require.Equal(t, tc.want, got, tc.token)
	}
}
