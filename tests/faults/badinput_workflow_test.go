package faults

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// rawJSON is a workflow argument sent as is, with the json/plain encoding:
// what a caller in another language could send.
type rawJSON string

// rawJSONConverter puts rawJSON on the wire unchanged, marked json/plain. It
// only encodes: the default JSON converter decodes json/plain.
type rawJSONConverter struct{}

func (rawJSONConverter) ToPayload(v any) (*commonpb.Payload, error) {
	r, ok := v.(rawJSON)
	if !ok {
		return nil, nil
	}
	return &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)}, Data: []byte(r)}, nil
}

func (rawJSONConverter) FromPayload(*commonpb.Payload, any) error {
	return fmt.Errorf("rawJSONConverter only encodes")
}

func (rawJSONConverter) ToString(p *commonpb.Payload) string { return string(p.GetData()) }

// Encoding names the converter apart from the JSON one (the composite
// converter keys them by it); its payloads still say json/plain.
func (rawJSONConverter) Encoding() string { return converter.MetadataEncodingJSON + "+raw" }

// rawClient is a client of tp that sends rawJSON arguments unchanged.
func rawClient(t *testing.T, tp *testenv.Temporal) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  tp.HostPort(),
		Namespace: tp.Namespace(),
		DataConverter: converter.NewCompositeDataConverter(rawJSONConverter{}, converter.NewNilPayloadConverter(),
			converter.NewByteSlicePayloadConverter(), converter.NewProtoJSONPayloadConverter(), converter.NewProtoPayloadConverter(),
			converter.NewJSONPayloadConverter()),
	})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// TestBadWorkflowInput starts the workflows by name with raw JSON input, as a
// caller in another language could, and shows each bad input ends the
// workflow with a clear error, without any CRM call and with nothing frozen.
func TestBadWorkflowInput(t *testing.T) {
	t.Parallel()
	const taskQueue = "kylin-bad-input"
	tp, crmSrv := startWithWorker(t, taskQueue)
	raw := rawClient(t, tp)
	member := "demo-member-1"
	long := strings.Repeat("d", 300)
	tests := []struct {
		name     string
		workflow string
		input    string
		// wantState is the result's state, or "" when the workflow itself fails.
		wantState workflows.State
		wantMsg   string
	}{
		{"points as a string", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":"ten","description":"d"}`, "", "points"},
		{"points NaN as a string", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":"NaN","description":"d"}`, "", "points"},
		{"points beyond float64", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":1e400,"description":"d"}`, "", "1e400"},
		{"member id as a number", workflows.RedemptionWorkflowName, `{"memberId":42,"points":10,"description":"d"}`, "", "memberId"},
		{"input is an array", workflows.RedemptionWorkflowName, `[1,2,3]`, "", "array"},
		{"input is not JSON", workflows.RedemptionWorkflowName, `{memberId: m}`, "", "invalid character"},
		{"empty object", workflows.RedemptionWorkflowName, `{}`, workflows.StateFailed, "invalid"},
		{"missing member", workflows.RedemptionWorkflowName, `{"points":10,"description":"d"}`, workflows.StateFailed, "member"},
		{"missing points", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","description":"d"}`, workflows.StateFailed, "point"},
		{"negative points", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":-5,"description":"d"}`, workflows.StateFailed, "point"},
		{"three decimals", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":1.234,"description":"d"}`, workflows.StateFailed, "point"},
		{"huge points", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":1e300,"description":"d"}`, workflows.StateFailed, "point"},
		{"missing description", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":10}`, workflows.StateFailed, "description"},
		{"300-char description", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":10,"description":"` + long + `"}`, workflows.StateFailed, "description"},
		{"negative hold", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":10,"description":"d","holdSeconds":-1}`, workflows.StateFailed, "holdSeconds"},
		{"hold as a string", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":10,"description":"d","holdSeconds":"soon"}`, "", "holdSeconds"},
		{"negative freeze timeout", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":10,"description":"d","freezeTimeoutSeconds":-5}`, workflows.StateFailed, "freezeTimeoutSeconds must not be negative"},
		{"hold that overflows a duration", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":10,"description":"d","holdSeconds":9223372037}`, workflows.StateFailed, "holdSeconds must be at most 9223372036"},
		{"freeze timeout that overflows a duration", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":10,"description":"d","freezeTimeoutSeconds":9000000000000000000}`, workflows.StateFailed, "freezeTimeoutSeconds must be at most"},
		{"member with a newline", workflows.RedemptionWorkflowName, `{"memberId":"m\n1","points":10,"description":"d"}`, workflows.StateFailed, "memberId must not contain control characters"},
		{"member with a bidi override", workflows.RedemptionWorkflowName, `{"memberId":"m\u202e1","points":10,"description":"d"}`, workflows.StateFailed, "memberId must not contain control characters"},
		{"member over the CRM's length", workflows.RedemptionWorkflowName, `{"memberId":"` + strings.Repeat("m", 129) + `","points":10,"description":"d"}`, workflows.StateFailed, "memberId is 129 characters long"},
		{"shop code with a tab", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":10,"description":"d","shopCode":"S\t1"}`, workflows.StateFailed, "shopCode must not contain control characters"},
		{"shop code over the CRM's length", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":10,"description":"d","shopCode":"` + strings.Repeat("s", 256) + `"}`, workflows.StateFailed, "shopCode is 256 characters long"},
		{"member type with a newline", workflows.RedemptionWorkflowName, `{"memberId":"` + member + `","points":10,"description":"d","memberType":"aupres\n"}`, workflows.StateFailed, "memberType must not contain control characters"},
		{"freeze step: timeout that overflows a duration", workflows.FreezePointsWorkflowName, `{"memberId":"` + member + `","points":1,"description":"d","timeoutSeconds":9223372037}`, "", "timeoutSeconds must be at most"},
		{"freeze step: negative points", workflows.FreezePointsWorkflowName, `{"memberId":"` + member + `","points":-1,"description":"d"}`, "", "point"},
		{"freeze step: points as a bool", workflows.FreezePointsWorkflowName, `{"memberId":"` + member + `","points":true,"description":"d"}`, "", "points"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			id := fmt.Sprintf("bad-input-%02d", i)
			run, err := raw.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, tc.workflow, rawJSON(tc.input))
			require.NoError(t, err)
			var st workflows.RedemptionStatus
			err = tp.Client.GetWorkflow(ctx, id, run.GetRunID()).Get(ctx, &st)
			require.NoError(t, ctx.Err(), "the workflow must end, not retry its task forever")
			if tc.wantState == "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), tc.wantMsg)
			} else {
				require.NoError(t, err)
				require.Equal(t, tc.wantState, st.State)
				require.Contains(t, st.Error, tc.wantMsg)
			}
			require.Zero(t, crmSrv.Calls(workflows.BusinessToken(id, workflows.StepFreeze)), "no CRM call for invalid input")
			fs, err := crmSrv.Freezes(ctx)
			require.NoError(t, err)
			require.Empty(t, fs, "nothing frozen")
		})
	}
}

// TestUnknownWorkflowFieldsAreIgnored pins down what a caller gets for a
// field the workflows do not know: the SDK's JSON converter drops it and the
// redemption runs as if it were absent. A misspelt optional field
// ("holdSecs") therefore silently takes its default.
func TestUnknownWorkflowFieldsAreIgnored(t *testing.T) {
	t.Parallel()
	const taskQueue = "kylin-unknown-fields"
	tp, crmSrv := startWithWorker(t, taskQueue)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id := "unknown-fields-1"
	_, err := rawClient(t, tp).ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, workflows.RedemptionWorkflowName,
		rawJSON(`{"memberId":"demo-member-1","points":3,"description":"d","holdSecs":1,"colour":"red"}`))
	require.NoError(t, err)
	st, err := testenv.WaitSettledFreeze(ctx, tp.Client, id)
	require.NoError(t, err)
	require.Equal(t, workflows.StateFrozen, st.State, "the unknown fields were ignored")
	st, err = testenv.Decide(ctx, tp.Client, id, workflows.UpdateCancel)
	require.NoError(t, err)
	require.Equal(t, workflows.StateReleased, st.State)
	require.Equal(t, 1, crmSrv.Calls(workflows.BusinessToken(id, workflows.StepFreeze)))
	require.NoError(t, crmSrv.CheckInvariants(ctx))
}
