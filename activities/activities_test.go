package activities_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
)

func TestSettledOperations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		settle    string
		available float64
		frozen    float64
		consumed  float64
	}{
		{"freeze only", "", 95, 5, 0},
		{"release", activities.ReleaseName, 100, 0, 0},
		{"consume", activities.ConsumeName, 95, 0, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sb := newSandbox(t)
			out, err := sb.run(activities.FreezeName, freezeInput(tok("f"), 5))
			require.NoError(t, err)
			require.Equal(t, activities.Output{Token: tok("f"), Status: 200, Code: "SUCCESS", Attempt: 1}, out)
			if tc.settle != "" {
				out, err := sb.run(tc.settle, settleInput(tok("s"), tok("f"), 5))
				require.NoError(t, err)
				require.Equal(t, activities.Output{Token: tok("s"), Status: 200, Code: "SUCCESS", Attempt: 1}, out)
			}
			b := sb.balance()
			require.Equal(t, tc.available, b.Available)
			require.Equal(t, tc.frozen, b.Frozen)
			require.Equal(t, tc.consumed, b.Consumed)
		})
	}
}

func TestRepeatIsReplayedWithOneEffect(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t)
	first, err := sb.run(activities.FreezeName, freezeInput(tok("f"), 5))
	require.NoError(t, err)
	require.False(t, first.Replayed)
	again, err := sb.run(activities.FreezeName, freezeInput(tok("f"), 5))
	require.NoError(t, err)
	require.True(t, again.Replayed)
	require.Equal(t, 5.0, sb.balance().Frozen)
}

func TestReleaseOfAFreezeNeverAppliedIsNothingToRelease(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t)
	out, err := sb.run(activities.ReleaseName, settleInput(tok("r"), tok("never-applied"), 5))
	require.NoError(t, err)
	require.True(t, out.NothingToRelease)
	require.Equal(t, activities.CodeFreezeNotFound, out.Code)
	require.Equal(t, 100.0, sb.balance().Available)

	// A consume of it is a rejection: there is nothing to deduct.
	_, err = sb.run(activities.ConsumeName, settleInput(tok("c"), tok("never-applied"), 5))
	appErr := requireAppError(t, err, activities.ErrCRMRefused, false)
	require.Contains(t, appErr.Error(), activities.CodeFreezeNotFound)
}

func TestInvalidInputMakesNoCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		op   string
		in   activities.Input
		msg  string
	}{
		{"no points", activities.FreezeName, freezeInput(tok("f"), 0), "point must be greater than 0"},
		{"three decimals", activities.FreezeName, freezeInput(tok("f"), 1.234), "at most 2 decimal places"},
		{"no member", activities.FreezeName, activities.Input{Token: tok("f"), Points: 1, Description: "mug"}, "memberId is required"},
		{"no token", activities.FreezeName, freezeInput("", 5), "X-Business-Token is required"},
		{"release without freeze token", activities.ReleaseName, freezeInput(tok("r"), 5), "freezeToken is required"},
		{"consume without freeze token", activities.ConsumeName, freezeInput(tok("c"), 5), "freezeToken is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sb := newSandbox(t)
			_, err := sb.run(tc.op, tc.in)
			appErr := requireAppError(t, err, activities.ErrInvalidInput, false)
			require.Contains(t, appErr.Error(), tc.msg)
			for _, op := range []string{crm.OpFreeze, crm.OpRelease, crm.OpConsume} {
				require.Zero(t, sb.calls(op), "no %s call may reach the CRM", op)
			}
		})
	}
}

func TestRejectionsAreFinalAndCarryTheCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		client func(sb *crmSandbox) *crm.Client
		in     activities.Input
		status int
		code   string
	}{
		{"not enough points", nil, freezeInput(tok("f"), 500), 200, "POINT_NOT_ENOUGH"},
		{"unknown member", nil, activities.Input{Token: tok("f"), MemberID: "nobody", Points: 1, Description: "mug"}, 404, "MEMBER_NOT_FOUND"},
		{"wrong secret", func(sb *crmSandbox) *crm.Client {
			return &crm.Client{BaseURL: sb.url, ServiceName: service, Secret: "wrong"}
		}, freezeInput(tok("f"), 5), 401, "UNAUTHORIZED"},
		{"member type not allowed", func(sb *crmSandbox) *crm.Client {
			return &crm.Client{BaseURL: sb.url, ServiceName: narrow, Secret: secret}
		}, freezeInput(tok("f"), 5), 403, "FORBIDDEN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sb := newSandbox(t)
			if tc.client != nil {
				sb.env = sb.activitiesEnv(tc.client(sb))
			}
			_, err := sb.run(activities.FreezeName, tc.in)
			appErr := requireAppError(t, err, activities.ErrCRMRefused, false)
			var d activities.RejectionDetails
			require.NoError(t, appErr.Details(&d))
			require.Equal(t, tc.status, d.Status)
			require.Equal(t, tc.code, d.Code)
			require.Contains(t, appErr.Error(), tc.code)
			require.Equal(t, 100.0, sb.balance().Available)
		})
	}
}

func TestSameTokenOtherBodyIsRejected(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t)
	_, err := sb.run(activities.FreezeName, freezeInput(tok("f"), 5))
	require.NoError(t, err)
	_, err = sb.run(activities.FreezeName, freezeInput(tok("f"), 6))
	appErr := requireAppError(t, err, activities.ErrCRMRefused, false)
	var d activities.RejectionDetails
	require.NoError(t, appErr.Details(&d))
	require.Equal(t, http.StatusConflict, d.Status)
	require.Equal(t, 5.0, sb.balance().Frozen)
}

func TestTransientFailuresAreRetryable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		faults    sandbox.FaultRates
		nextDelay time.Duration
		frozen    float64 // what the failed call left behind
	}{
		{"429 honours Retry-After", sandbox.FaultRates{TooMany: 1, RetryAfter: 3 * time.Second}, 3 * time.Second, 0},
		{"failure before the change", sandbox.FaultRates{FailBefore: 1}, -1, 0},
		{"answer lost after the change", sandbox.FaultRates{FailAfter: 1}, 0, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sb := newSandbox(t)
			sb.srv.SetFaults(sandbox.Faults{Freeze: tc.faults})
			_, err := sb.run(activities.FreezeName, freezeInput(tok("f"), 5))
			appErr := requireAppError(t, err, activities.ErrCRMTransient, true)
			if tc.nextDelay >= 0 {
				require.Equal(t, tc.nextDelay, appErr.NextRetryDelay())
			}
			require.Equal(t, tc.frozen, sb.balance().Frozen)

			// The retry, with the same token, settles it with one effect.
			sb.srv.SetFaults(sandbox.Faults{})
			_, err = sb.run(activities.FreezeName, freezeInput(tok("f"), 5))
			require.NoError(t, err)
			require.Equal(t, 5.0, sb.balance().Frozen)
			require.NoError(t, sb.srv.CheckInvariants(t.Context()))
		})
	}
}

func TestNoAnswerIsRetryable(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t)
	// Nothing listens there any more.
	closed := httptestClosedURL(t)
	sb.env = sb.activitiesEnv(&crm.Client{BaseURL: closed, ServiceName: service, Secret: secret})
	_, err := sb.run(activities.ReleaseName, settleInput(tok("r"), tok("f"), 5))
	requireAppError(t, err, activities.ErrCRMTransient, true)
}

// The SDK registers a struct's exported methods under their names, and
// every history records those names; the constants are how other code and
// tools name them. Each method has its constant, and nothing else.
func TestNamesAreTheRegisteredMethods(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[*activities.Activities]()
	var methods []string
	for m := range typ.Methods() {
		methods = append(methods, m.Name)
	}
	require.ElementsMatch(t, []string{activities.FreezeName, activities.ReleaseName, activities.ConsumeName, activities.LegacyPrepareName, activities.PrepareName}, methods)
}
