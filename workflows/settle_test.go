package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/kylinpoints/kylin-points/activities"
	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/workflows"
)

func TestConfirmForFewerPointsReleasesTheRest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		script   map[string]func(int) error
		points   float64
		consumed float64
		released float64
		rest     string // the step whose token released the rest
		freeze   string
	}{
		{name: "all", points: 0, consumed: 5, freeze: "consumed"},
		{name: "all, named", points: 5, consumed: 5, freeze: "consumed"},
		{name: "some", points: 1.5, consumed: 1.5, released: 3.5, rest: workflows.StepRelease, freeze: "consumed+released"},
		{name: "some, consume lost then 409", points: 2, consumed: 2, released: 3, rest: "release/rest", freeze: "consumed+released",
			script: map[string]func(int) error{crm.OpConsume: sequence(errLost, rejected(crm.OpConsume, 409, "TOKEN_CONFLICT"))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, tc.script)
			u := h.updateWith(workflows.UpdateConfirm, "u1", time.Minute, workflows.ConfirmRequest{Points: tc.points})
			st, err := h.redeem(redemptionRequest())
			require.NoError(t, err)
			requireAnswered(t, u, workflows.StateConsumed)
			require.Equal(t, workflows.StateConsumed, st.State)
			require.Equal(t, tc.consumed, st.ConsumedPoints)
			require.Equal(t, tc.released, st.ReleasedPoints)
			require.Equal(t, token(workflows.StepConsume), st.ConsumeToken)
			require.Equal(t, tc.freeze, h.crm.state(st.FreezeToken))
			require.Zero(t, h.crm.held(st.FreezeToken))
			if tc.rest == "" {
				require.Empty(t, st.ReleaseToken)
				return
			}
			require.Equal(t, token(tc.rest), st.ReleaseToken)
			reqs := h.crm.requests(token(tc.rest))
			require.NotEmpty(t, reqs)
			require.Equal(t, tc.released, reqs[0].Points)
		})
	}
}

func TestConfirmForAnAmountThatIsNotFrozenIsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		points float64
		want   string
	}{
		{5.01, "points: 5.01 is more than the 5 frozen"},
		{1.234, "point may have at most 2 decimal places"},
		{-1, "point must be greater than 0"},
	}
	for _, tc := range tests {
		h := newHarness(t, testID, nil)
		bad := h.updateWith(workflows.UpdateConfirm, "bad", time.Minute, workflows.ConfirmRequest{Points: tc.points})
		h.update(workflows.UpdateCancel, "u2", 2*time.Minute)
		st, err := h.redeem(redemptionRequest())
		require.NoError(t, err)
		require.Equal(t, workflows.StateReleased, st.State, "the refused confirm changed nothing")
		require.Error(t, bad.rejected)
		require.Contains(t, bad.rejected.Error(), tc.want)
		require.Empty(t, h.crm.calls(crm.OpConsume))
	}
}

func TestRepeatedConfirmForAnotherAmountIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testID, map[string]func(int) error{crm.OpConsume: failFirst(3, transient(crm.OpConsume))})
	h.updateWith(workflows.UpdateConfirm, "c1", time.Minute, workflows.ConfirmRequest{Points: 2})
	same := h.updateWith(workflows.UpdateConfirm, "c2", time.Minute+time.Second, workflows.ConfirmRequest{Points: 2})
	other := h.updateWith(workflows.UpdateConfirm, "c3", time.Minute+2*time.Second, workflows.ConfirmRequest{Points: 3})
	_, err := h.redeem(redemptionRequest())
	require.NoError(t, err)
	requireAnswered(t, same, workflows.StateConsumed)
	requireNotFrozen(t, other, "cannot confirm 3 points: already confirmed for 2 points")
}

func TestSeveralFreezesInOneWorkflowHaveTheirOwnTokens(t *testing.T) {
	t.Parallel()
	second := workflows.FreezeRequest{MemberID: "m-1", Points: 3, Description: "second", TimeoutSeconds: 5, Step: "freeze/2"}
	tests := []struct {
		name   string
		script map[string]func(int) error
		errHas string
	}{
		{name: "both frozen"},
		// Calls 2..4 are the second freeze's attempts within its 5s budget;
		// each loses its answer, so it is undone.
		{name: "the second times out and only it is undone",
			script: map[string]func(int) error{crm.OpFreeze: sequence(nil, errLost, errLost, errLost)}, errHas: "it was released"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, tc.script)
			registerCallers(h.env)
			h.env.ExecuteWorkflow(twoFreezesName, second)
			require.True(t, h.env.IsWorkflowCompleted())
			first, again := token(workflows.StepFreeze), token("freeze/2")
			require.NotEqual(t, first, again)
			require.Equal(t, "frozen", h.crm.state(first), "the first freeze is never touched")
			if tc.errHas != "" {
				require.ErrorContains(t, h.env.GetWorkflowError(), tc.errHas)
				require.Equal(t, "released", h.crm.state(again))
				require.Equal(t, []string{token("release/2")}, h.crm.calls(crm.OpRelease))
				return
			}
			require.NoError(t, h.env.GetWorkflowError())
			var res []workflows.FreezeResult
			require.NoError(t, h.env.GetWorkflowResult(&res))
			require.Equal(t, []string{workflows.StepFreeze, "freeze/2"}, []string{res[0].Step, res[1].Step})
			require.Equal(t, []string{first, again}, []string{res[0].FreezeToken, res[1].FreezeToken})
			require.Equal(t, "frozen", h.crm.state(again))
		})
	}
}

// A freeze returned by FreezePointsWorkflow is settled by another workflow
// under the tokens of the freeze's own workflow ID and step.
func TestSettleAStandaloneFreeze(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		workflow string
		points   float64
		want     workflows.SettleResult
		freeze   string
	}{
		{"release", workflows.ReleasePointsWorkflowName, 0, workflows.SettleResult{State: workflows.StateReleased, ReleasedPoints: 5,
			ReleaseToken: token(workflows.StepRelease)}, "released"},
		{"consume all", workflows.ConsumePointsWorkflowName, 0, workflows.SettleResult{State: workflows.StateConsumed, ConsumedPoints: 5,
			ConsumeToken: token(workflows.StepConsume)}, "consumed"},
		{"consume some", workflows.ConsumePointsWorkflowName, 2, workflows.SettleResult{State: workflows.StateConsumed, ConsumedPoints: 2, ReleasedPoints: 3,
			ConsumeToken: token(workflows.StepConsume), ReleaseToken: token(workflows.StepRelease)}, "consumed+released"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeCRM(nil)
			frozen := runWith(t, f, testID, workflows.FreezePointsWorkflowName, freezeRequest())
			var freeze workflows.FreezeResult
			require.NoError(t, frozen.GetWorkflowResult(&freeze))

			for range 2 { // a second settlement repeats the first under the same tokens
				env := runWith(t, f, "settle-"+testID, tc.workflow, workflows.SettleRequest{Freeze: freeze, Points: tc.points})
				require.NoError(t, env.GetWorkflowError())
				var res workflows.SettleResult
				require.NoError(t, env.GetWorkflowResult(&res))
				want := tc.want
				want.FreezeToken, want.MemberID = freeze.FreezeToken, "m-1"
				require.Equal(t, want, res)
			}
			require.Equal(t, tc.freeze, f.state(freeze.FreezeToken))
			require.Zero(t, f.held(freeze.FreezeToken))
		})
	}
}

func TestSettleRefusesWhatIsNotAFreeze(t *testing.T) {
	t.Parallel()
	good := frozenResult()
	mod := func(change func(*workflows.FreezeResult)) workflows.FreezeResult { f := good; change(&f); return f }
	tests := []struct {
		name   string
		req    workflows.SettleRequest
		flow   string
		errHas string
	}{
		{"no workflow ID", workflows.SettleRequest{Freeze: mod(func(f *workflows.FreezeResult) { f.WorkflowID = "" })}, workflows.ReleasePointsWorkflowName, "workflowId is required"},
		{"not a freeze step", workflows.SettleRequest{Freeze: mod(func(f *workflows.FreezeResult) { f.Step = "release" })}, workflows.ReleasePointsWorkflowName, `step "release" is not "freeze" or "freeze/<name>"`},
		{"a step name with a slash", workflows.SettleRequest{Freeze: mod(func(f *workflows.FreezeResult) { f.Step = "freeze/a/b" })}, workflows.ReleasePointsWorkflowName, "may hold letters, digits"},
		{"the reserved step name", workflows.SettleRequest{Freeze: mod(func(f *workflows.FreezeResult) { f.Step = "freeze/rest" })}, workflows.ReleasePointsWorkflowName, "is reserved"},
		{"token of another freeze", workflows.SettleRequest{Freeze: mod(func(f *workflows.FreezeResult) { f.FreezeToken = token("freeze/2") })}, workflows.ConsumePointsWorkflowName, "is not the token of step freeze"},
		{"no member", workflows.SettleRequest{Freeze: mod(func(f *workflows.FreezeResult) { f.MemberID = "" })}, workflows.ConsumePointsWorkflowName, "memberId is required"},
		{"consume more than frozen", workflows.SettleRequest{Freeze: good, Points: 6}, workflows.ConsumePointsWorkflowName, "6 is more than the 5 frozen"},
		{"points on a release", workflows.SettleRequest{Freeze: good, Points: 1}, workflows.ReleasePointsWorkflowName, "points is for ConsumePointsWorkflow only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeCRM(nil)
			env := runWith(t, f, workflows.SettlementID(testID), tc.flow, tc.req)
			err := env.GetWorkflowError()
			require.ErrorContains(t, err, tc.errHas)
			require.Equal(t, activities.ErrInvalidInput, workflows.ErrorType(err))
			require.Empty(t, f.calls(crm.OpRelease))
			require.Empty(t, f.calls(crm.OpConsume))
		})
	}
}

func TestReplayedFirstAnswerIsReported(t *testing.T) {
	t.Parallel()
	req := redemptionRequest()
	used := crm.Request{MemberID: req.MemberID, Description: req.Description, Points: req.Points,
		MemberType: crm.DefaultMemberType, ChannelType: crm.DefaultChannelType, PointBizType: crm.DefaultPointBizType}
	tests := []struct {
		name   string
		seed   bool
		script map[string]func(int) error
		want   []string
	}{
		{"token used before this workflow", true, nil, []string{workflows.StepFreeze}},
		{"our own lost answer replayed", false, map[string]func(int) error{crm.OpFreeze: sequence(errLost)}, nil},
		{"nothing replayed", false, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, tc.script)
			if tc.seed {
				h.crm.seed(crm.OpFreeze, token(workflows.StepFreeze), used, func() error {
					h.crm.freezes[token(workflows.StepFreeze)] = &freezeRow{amount: crm.Hundredths(req.Points)}
					return nil
				})
			}
			h.update(workflows.UpdateCancel, "u1", time.Minute)
			st, err := h.redeem(req)
			require.NoError(t, err)
			require.Equal(t, tc.want, st.Replayed)
		})
	}
}

// The body is fixed in the workflow when it starts: from its input, or else
// from the worker's configuration then, recorded; a worker configured
// otherwise later cannot send the same token with another body.
func TestBodyIsFixedWhenTheWorkflowStarts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   workflows.Body
		want workflows.Body
	}{
		{"from the worker", workflows.Body{}, workflows.Body{MemberType: "GMYB", ChannelType: "WECHAT", PointBizType: "POINT"}},
		{"from the input", workflows.Body{MemberType: "aupres", ChannelType: "POS", PointBizType: "BONUS"},
			workflows.Body{MemberType: "aupres", ChannelType: "POS", PointBizType: "BONUS"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			acts := &activities.Activities{Defaults: activities.BodyFields{MemberType: "GMYB"}}
			f := newFakeCRM(map[string]func(int) error{crm.OpFreeze: func(n int) error {
				if n == 1 {
					acts.Defaults.MemberType = "changed-by-a-deploy" // a rolling deploy between attempts
					return errLost
				}
				return nil
			}})
			acts.CRM = f
			h := newHarnessWith(t, testID, f, acts)
			h.update(workflows.UpdateConfirm, "u1", time.Minute)
			req := redemptionRequest()
			req.Body = tc.in
			st, err := h.redeem(req)
			require.NoError(t, err)
			require.Equal(t, workflows.StateConsumed, st.State)
			for _, tok := range []string{token(workflows.StepFreeze), token(workflows.StepConsume)} {
				for _, r := range f.requests(tok) {
					require.Equal(t, tc.want, workflows.Body{MemberType: r.MemberType, ChannelType: r.ChannelType, PointBizType: r.PointBizType})
				}
			}
			require.Len(t, f.requests(token(workflows.StepFreeze)), 2)
		})
	}
}

func TestTimingsThatDoNotFitADurationAreRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	const huge = int64(1) << 62
	tests := []struct {
		name   string
		change func(*workflows.RedemptionRequest)
		want   string
	}{
		{"hold", func(r *workflows.RedemptionRequest) { r.HoldSeconds = huge }, "holdSeconds must be at most 9223372036"},
		{"freeze timeout", func(r *workflows.RedemptionRequest) { r.FreezeTimeoutSeconds = huge }, "freezeTimeoutSeconds must be at most"},
		{"negative freeze timeout", func(r *workflows.RedemptionRequest) { r.FreezeTimeoutSeconds = -1 }, "freezeTimeoutSeconds must not be negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, nil)
			req := redemptionRequest()
			tc.change(&req)
			st, err := h.redeem(req)
			require.NoError(t, err)
			require.Equal(t, workflows.StateFailed, st.State)
			require.Contains(t, st.Error, tc.want)
			require.Empty(t, h.crm.calls(crm.OpFreeze))
		})
	}
	h := newHarness(t, testID, nil)
	h.env.ExecuteWorkflow(workflows.FreezePointsWorkflowName, workflows.FreezeRequest{MemberID: "m", Points: 1, Description: "d", TimeoutSeconds: huge})
	require.ErrorContains(t, h.env.GetWorkflowError(), "timeoutSeconds must be at most")
	require.Empty(t, h.crm.calls(crm.OpFreeze))
}

// TestTimingsAboveTheirBoundsAreRefusedBeforeAnyCall: a client asking to
// hold points, or retry a freeze, for longer than the documented bounds is
// refused with InvalidInput; the bound itself is accepted.
func TestTimingsAboveTheirBoundsAreRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	maxHold, maxFreeze := int64(workflows.MaxHold/time.Second), int64(workflows.MaxFreezeTimeout/time.Second)
	tests := []struct {
		name   string
		change func(*workflows.RedemptionRequest)
		want   string // "" when accepted
	}{
		{"a hold of a century", func(r *workflows.RedemptionRequest) { r.HoldSeconds = 100 * 365 * 86400 }, "holdSeconds must be at most 604800 (168h0m0s), got 3153600000"},
		{"a hold one second above the bound", func(r *workflows.RedemptionRequest) { r.HoldSeconds = maxHold + 1 }, "holdSeconds must be at most 604800"},
		{"a freeze timeout of a year", func(r *workflows.RedemptionRequest) { r.FreezeTimeoutSeconds = 365 * 86400 }, "freezeTimeoutSeconds must be at most 3600 (1h0m0s), got 31536000"},
		{"a freeze timeout one second above", func(r *workflows.RedemptionRequest) { r.FreezeTimeoutSeconds = maxFreeze + 1 }, "freezeTimeoutSeconds must be at most 3600"},
		{"both at their bound", func(r *workflows.RedemptionRequest) { r.HoldSeconds, r.FreezeTimeoutSeconds = maxHold, maxFreeze }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testID, nil)
			req := redemptionRequest()
			tc.change(&req)
			if tc.want == "" {
				h.update(workflows.UpdateConfirm, "u1", time.Minute)
			}
			st, err := h.redeem(req)
			require.NoError(t, err)
			if tc.want == "" {
				require.Equal(t, workflows.StateConsumed, st.State)
				return
			}
			require.Equal(t, workflows.StateFailed, st.State)
			require.Contains(t, st.Error, tc.want)
			require.Empty(t, h.crm.calls(crm.OpFreeze))
		})
	}
	h := newHarness(t, testID, nil)
	h.env.ExecuteWorkflow(workflows.FreezePointsWorkflowName, workflows.FreezeRequest{MemberID: "m", Points: 1, Description: "d", TimeoutSeconds: maxFreeze + 1})
	require.ErrorContains(t, h.env.GetWorkflowError(), "timeoutSeconds must be at most 3600")
	require.Empty(t, h.crm.calls(crm.OpFreeze))
}

// runWith runs workflow name to its end with id on the fake CRM f.
func runWith(t *testing.T, f *fakeCRM, id, name string, arg any) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	h := newHarnessWith(t, id, f, &activities.Activities{CRM: f})
	h.env.ExecuteWorkflow(name, arg)
	require.True(t, h.env.IsWorkflowCompleted())
	return h.env
}

// A settlement runs under the ID that names its freeze: "settle-<ID>" settles
// the freeze of workflow <ID> only, so a second settlement of a freeze, from
// any client, finds the first; an ID naming another freeze is refused before
// any CRM call. An ID of another form (a caller's own) is not checked.
func TestSettlementRunsUnderTheIDOfItsFreeze(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		id     string
		errHas string
	}{
		{"its own settlement ID", workflows.SettlementID(testID), ""},
		{"a caller's own ID", "checkout-42-release", ""},
		{"the settlement ID of another freeze", workflows.SettlementID("freeze-" + testID), "start it as " + workflows.SettlementID(testID)},
		{"the Nexus form of old", "settle-order-1", "not the freeze of " + testID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeCRM(nil)
			frozen := frozenResult()
			f.seed(crm.OpFreeze, frozen.FreezeToken, crm.Request{}, func() error {
				f.freezes[frozen.FreezeToken] = &freezeRow{amount: 500}
				return nil
			})
			env := runWith(t, f, tc.id, workflows.ReleasePointsWorkflowName, workflows.SettleRequest{Freeze: frozen})
			err := env.GetWorkflowError()
			if tc.errHas == "" {
				require.NoError(t, err)
				require.Equal(t, "released", f.state(frozen.FreezeToken))
				return
			}
			require.ErrorContains(t, err, tc.errHas)
			require.Equal(t, activities.ErrInvalidInput, workflows.ErrorType(err))
			require.Empty(t, f.calls(crm.OpRelease))
		})
	}
}
