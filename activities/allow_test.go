package activities_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
)

// countingCRM answers every call with success and counts them.
type countingCRM struct{ calls atomic.Int32 }

func (c *countingCRM) Freeze(context.Context, string, crm.Request) (crm.Result, error) {
	c.calls.Add(1)
	return crm.Result{Status: 200, Code: "SUCCESS"}, nil
}

func (c *countingCRM) Release(ctx context.Context, token string, req crm.Request) (crm.Result, error) {
	return c.Freeze(ctx, token, req)
}

func (c *countingCRM) Consume(ctx context.Context, token string, req crm.Request) (crm.Result, error) {
	return c.Freeze(ctx, token, req)
}

// A client may name the body's memberType, channelType and pointBizType;
// the worker acts only on the values it lists, whichever step and whoever
// scheduled it, and refuses the others before any CRM call.
func TestBodyValuesOutsideTheAllowListAreRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	allowed := activities.AllowedBody{
		MemberTypes:   []string{"aupres", "GMYB"},
		ChannelTypes:  []string{"WECHAT"},
		PointBizTypes: []string{"POINT"},
	}
	const (
		ok = ""
		// The activity never knows that no earlier request carried the
		// token (an activity reset sets the attempt back to 1): retried.
		// FreezePoints refuses for good before it schedules a freeze.
		refused = activities.ErrBodyNotAllowed
		waits   = activities.ErrBodyNotAllowed
	)
	tests := []struct {
		name    string
		allowed activities.AllowedBody
		body    activities.BodyFields
		when    string // "", "maybeSent" or "recheck"
		want    string
		names   string
	}{
		{name: "listed values", allowed: allowed, body: activities.BodyFields{MemberType: "GMYB", ChannelType: "WECHAT", PointBizType: "POINT"}, want: ok},
		{name: "empty fields take the worker's own", allowed: allowed, want: ok},
		{name: "unlisted memberType", allowed: allowed, body: activities.BodyFields{MemberType: "vip-brand"}, want: refused, names: `memberType "vip-brand"`},
		{name: "unlisted channelType", allowed: allowed, body: activities.BodyFields{ChannelType: "POS"}, want: refused, names: "KYLIN_CRM_ALLOWED_CHANNEL_TYPES"},
		{name: "unlisted pointBizType", allowed: allowed, body: activities.BodyFields{PointBizType: "BONUS"}, want: refused, names: "KYLIN_CRM_ALLOWED_POINT_BIZ_TYPES"},
		{name: "case matters", allowed: allowed, body: activities.BodyFields{ChannelType: "wechat"}, want: refused},
		{name: "an overlong value is quoted in part", allowed: allowed, body: activities.BodyFields{MemberType: strings.Repeat("x", 500)}, want: refused, names: "xxx…"},
		{name: "a control character is named, not quoted", allowed: allowed, body: activities.BodyFields{ChannelType: "WECHAT\n\x1b[2J"}, want: refused, names: "channelType must not contain control characters"},
		{name: "the token may have been sent: retried, never proof", allowed: allowed, body: activities.BodyFields{MemberType: "vip-brand"}, when: "maybeSent", want: waits},
		{name: "a recheck: retried, never proof", allowed: allowed, body: activities.BodyFields{MemberType: "vip-brand"}, when: "recheck", want: waits},
		{name: "no list: unchecked", body: activities.BodyFields{MemberType: "vip-brand"}, want: ok},
	}
	for _, tc := range tests {
		for _, op := range []string{activities.FreezeName, activities.ReleaseName, activities.ConsumeName} {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				t.Parallel()
				c := &countingCRM{}
				var suite testsuite.WorkflowTestSuite
				env := suite.NewTestActivityEnvironment()
				env.RegisterActivity(&activities.Activities{CRM: c, Allowed: tc.allowed})
				in := settleInput(tok("x"), tok("f"), 5)
				in.MemberType, in.ChannelType, in.PointBizType = tc.body.MemberType, tc.body.ChannelType, tc.body.PointBizType
				in.MaybeSent, in.Recheck = tc.when == "maybeSent", tc.when == "recheck"
				_, err := env.ExecuteActivity(op, in)
				if tc.want == ok {
					require.NoError(t, err)
					require.EqualValues(t, 1, c.calls.Load())
					return
				}
				appErr := requireAppError(t, err, tc.want, tc.want == waits)
				require.Contains(t, appErr.Message(), tc.names)
				require.Less(t, len(appErr.Message()), 300, "the refused value is bounded in the message")
				require.Zero(t, c.calls.Load(), "refused before any CRM call")
			})
		}
	}
}
