package crmcheck

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
)

const (
	testMember  = "check-member"
	balancePath = sandbox.DefaultBalancePath
)

// startSandbox serves a sandbox of profile with the test member holding 10 points.
func startSandbox(t *testing.T, profile string) *sandbox.Server {
	t.Helper()
	p, err := sandbox.ProfileNamed(profile)
	require.NoError(t, err)
	s, err := sandbox.New(sandbox.Config{Callers: map[string]sandbox.Caller{"svc": {Secret: "secret"}}, Profile: p})
	require.NoError(t, err)
	_, err = s.Grant(context.Background(), testMember, "", 10)
	require.NoError(t, err)
	return s
}

// newCheck is a check of srv under codes, with the balance query.
func newCheck(t *testing.T, srv *sandbox.Server, codes crm.Codes) *Check {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		require.NoError(t, srv.Close())
	})
	return &Check{
		Client: &crm.Client{BaseURL: hs.URL, ServiceName: "svc", Secret: "secret", Timeout: 5 * time.Second},
		Codes:  codes, MemberID: testMember, Points: 0.01, BalancePath: balancePath, RunID: NewRunID(time.Now()),
	}
}

// allOK is every step of the sequence ok, but those named in except.
func allOK(except map[string]string) map[string]string {
	out := map[string]string{stepBalanceBefore: VerdictOK, stepBalanceAfter: VerdictOK}
	for _, s := range script("x", 0.01) {
		out[s.name] = VerdictOK
	}
	for k, v := range except {
		out[k] = v
	}
	return out
}

// Each profile, checked under the default mapping, shows where kylin-points
// would go wrong or know nothing; checked again under the codes the first
// run derived, it shows nothing wrong or unknown but what no mapping can
// fix (a short memory). Either way nothing stays frozen and the member has
// spent exactly the one partial consume.
func TestCheckEachProfile(t *testing.T) {
	t.Parallel()
	refusals := []string{"consume-released", "consume-settled", "release-after-consume", "release-never-frozen", "consume-never-frozen"}
	each := func(v string, steps ...string) map[string]string {
		m := map[string]string{}
		for _, s := range steps {
			m[s] = v
		}
		return m
	}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	tests := []struct {
		profile string
		// first is the verdicts under the default mapping; then under the derived codes.
		first, then map[string]string
		wantCodes   crm.Codes
		invariants  string
	}{
		{profile: sandbox.ProfileDefault, first: allOK(nil), then: allOK(nil),
			wantCodes: codesWith(crm.WithoutSuccessReadCode, nil)},
		{profile: sandbox.ProfileOtherCodes, first: allOK(each(VerdictUnknown, refusals...)), then: allOK(nil),
			wantCodes: crm.Codes{PointNotEnough: []string{crm.DefaultCodePointNotEnough}, FreezeNotFound: []string{"40004"},
				FreezeNotEnough: []string{"40009"}, Success: []string{"0"}, WithoutSuccess: crm.WithoutSuccessReadCode}},
		{profile: sandbox.ProfileNoSuccess,
			first: allOK(merge(each(VerdictWrong, refusals...), each(VerdictNote, stepBalanceAfter),
				map[string]string{stepCleanup: "ok,ok"})),
			then:      allOK(nil),
			wantCodes: codesWith(crm.WithoutSuccessReadCode, nil)},
		{profile: sandbox.ProfileSettledNotFound,
			first: allOK(each(VerdictNote, "consume-released", "consume-settled", "release-after-consume")),
			then:  allOK(each(VerdictNote, "consume-released", "consume-settled", "release-after-consume")),
			// The CRM never showed its code for a settled freeze: the default stays.
			wantCodes: codesWith(crm.WithoutSuccessReadCode, nil)},
		{profile: sandbox.ProfileShortMemory,
			first:      allOK(map[string]string{"freeze-replay-late": VerdictWrong, stepCleanup: VerdictOK}),
			then:       allOK(map[string]string{"freeze-replay-late": VerdictWrong, stepCleanup: VerdictOK}),
			wantCodes:  codesWith(crm.WithoutSuccessReadCode, nil),
			invariants: "2 effects"},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := startSandbox(t, tt.profile)
			check := newCheck(t, srv, crm.DefaultCodes())
			rep := check.Run(ctx)
			require.Equal(t, tt.first, rep.Verdicts(), "%+v", rep.Steps)
			require.Empty(t, rep.LeftFrozen)
			require.Empty(t, rep.Unreachable)

			codes, comments := DeriveCodes(rep, check.Codes)
			require.Equal(t, tt.wantCodes, codes)
			require.Empty(t, codes.Problems())
			require.Contains(t, comments[0], rep.RunID)

			again := *check
			again.Codes, again.RunID = codes, NewRunID(time.Now())
			rep = again.Run(ctx)
			require.Equal(t, tt.then, rep.Verdicts(), "%+v", rep.Steps)
			require.Empty(t, rep.LeftFrozen)

			b, err := srv.Balance(ctx, testMember)
			require.NoError(t, err)
			require.Equal(t, sandbox.Balance{MemberID: testMember, MemberType: crm.DefaultMemberType, Available: 9.98, Consumed: 0.02, Granted: 10}, b,
				"nothing frozen; each run consumed its 0.01 once")
			if tt.invariants == "" {
				require.NoError(t, srv.CheckInvariants(ctx))
			} else {
				require.ErrorContains(t, srv.CheckInvariants(ctx), tt.invariants, "the profile applied a forgotten token twice")
			}
		})
	}
}

// codesWith is the default codes with withoutSuccess ws and success codes.
func codesWith(ws crm.WithoutSuccess, success []string) crm.Codes {
	c := crm.DefaultCodes()
	c.WithoutSuccess = ws
	if success != nil {
		c.Success = success
	}
	return c
}

// Without the balance query, a replay is told by the CRM's marker or an
// identical answer; the short memory's second freeze then is unknown, not
// proven, and the check still releases what it may hold.
func TestCheckWithoutBalance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startSandbox(t, sandbox.ProfileShortMemory)
	check := newCheck(t, srv, crm.DefaultCodes())
	check.BalancePath = ""
	rep := check.Run(ctx)
	v := rep.Verdicts()
	require.Equal(t, VerdictUnknown, v["freeze-replay-late"])
	require.Equal(t, VerdictOK, v["freeze-replay"], "the CRM's replay marker")
	require.Equal(t, VerdictOK, v[stepCleanup])
	require.NotContains(t, v, stepBalanceBefore)
	require.Empty(t, rep.LeftFrozen)
	b, err := srv.Balance(ctx, testMember)
	require.NoError(t, err)
	require.Zero(t, b.Frozen)
}

// A lost answer is retried under the same token, as kylin-points does; a
// release the CRM keeps refusing leaves the freeze, which the report lists
// with its token, certain, and never as settled.
func TestCheckLostAnswersAndAFreezeLeft(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startSandbox(t, sandbox.ProfileDefault)
	check := newCheck(t, srv, crm.DefaultCodes())
	require.NoError(t, srv.Script(
		sandbox.ScriptedFault{Op: crm.OpFreeze, Kind: sandbox.ScriptFailAfter},
		// The release of the first freeze, then every cleanup release of it, refused.
		sandbox.ScriptedFault{Op: crm.OpRelease, Kind: sandbox.ScriptRefuse, Status: 403},
	))
	var lines []StepResult
	check.OnStep = func(s StepResult) { lines = append(lines, s) }
	rep := check.Run(ctx)
	require.Equal(t, rep.Steps, lines, "OnStep heard every step in order")

	freeze, ok := rep.stepNamed(stepFreeze)
	require.True(t, ok)
	require.Equal(t, 2, freeze.Attempts, "the lost answer, then the replay")
	require.Equal(t, VerdictOK, freeze.Verdict)
	release, _ := rep.stepNamed(stepRelease)
	require.Equal(t, VerdictUnknown, release.Verdict)
	require.Equal(t, 403, release.Status)

	require.Empty(t, rep.LeftFrozen, "the cleanup released it: %+v", rep.Steps)

	// Now a CRM that refuses every release and consume: the freezes stay,
	// and the report says so, with their tokens.
	srv2 := startSandbox(t, sandbox.ProfileDefault)
	check2 := newCheck(t, srv2, crm.DefaultCodes())
	var refusals []sandbox.ScriptedFault
	for range 20 {
		refusals = append(refusals, sandbox.ScriptedFault{Op: crm.OpRelease, Kind: sandbox.ScriptRefuse, Status: 403},
			sandbox.ScriptedFault{Op: crm.OpConsume, Kind: sandbox.ScriptRefuse, Status: 403})
	}
	require.NoError(t, srv2.Script(refusals...))
	rep = check2.Run(ctx)
	f1 := rep.RunID + "-f1"
	f2 := rep.RunID + "-f2"
	require.Equal(t, []Held{{FreezeToken: f1, Points: 0.01, Certain: true}, {FreezeToken: f2, Points: 0.02, Certain: true}}, rep.LeftFrozen,
		"%+v", rep.Steps)
	b, err := srv2.Balance(ctx, testMember)
	require.NoError(t, err)
	require.Equal(t, 0.03, b.Frozen, "what the report lists is what the CRM holds")
	require.Equal(t, VerdictUnknown, rep.Verdicts()[stepBalanceAfter], "the balance shows what the check could not settle")
}

// Cancelling the context (Ctrl-C) stops the sequence, never the settling:
// the freeze made before is released.
func TestCheckInterrupted(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, sandbox.ProfileDefault)
	check := newCheck(t, srv, crm.DefaultCodes())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	check.OnStep = func(s StepResult) {
		if s.Step == "freeze-other-amount" {
			cancel()
		}
	}
	rep := check.Run(ctx)
	require.True(t, rep.Interrupted)
	require.Empty(t, rep.LeftFrozen)
	v := rep.Verdicts()
	require.NotContains(t, v, stepRelease, "the sequence stopped")
	require.Equal(t, VerdictOK, v[stepCleanup], "the freeze was released")
	require.NotContains(t, v, stepBalanceAfter)
	b, err := srv.Balance(context.Background(), testMember)
	require.NoError(t, err)
	require.Equal(t, 10.0, b.Available)
}

// A CRM that refuses the check's credentials, or cannot be reached, stops
// it at the first freeze, which it says is not held.
func TestCheckUnreachable(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, sandbox.ProfileDefault)
	check := newCheck(t, srv, crm.DefaultCodes())
	check.Client.Secret = "rotated"
	rep := check.Run(context.Background())
	require.Contains(t, rep.Unreachable, "refused the check's credentials (HTTP 401")
	require.Len(t, rep.Steps, 2, "the balance read and the first freeze: %+v", rep.Steps)
	require.Empty(t, rep.LeftFrozen)

	closed := &Check{Client: &crm.Client{BaseURL: "http://127.0.0.1:1", Timeout: time.Second}, Codes: crm.DefaultCodes(),
		MemberID: testMember, Points: 0.01, RunID: NewRunID(time.Now())}
	rep = closed.Run(context.Background())
	require.Contains(t, rep.Unreachable, "could not be reached")
	require.Empty(t, rep.LeftFrozen, "a request that could not connect froze nothing")
	require.Equal(t, maxAttempts, rep.Steps[0].Attempts)
}

func TestNewRunIDAndSteps(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 5, 12, 11, 59, 0, time.UTC)
	id := NewRunID(at)
	require.Regexp(t, `^crm-check-20261205T121159-[0-9a-f]{8}$`, id)
	require.NotEqual(t, id, NewRunID(at))
	for _, s := range script(id, 0.01) {
		require.NoError(t, crm.ValidateToken(s.token), s.name)
		require.NoError(t, crm.ValidateToken(s.token+"-cleanup-9"), s.name)
	}
	require.Len(t, Steps(), len(script(id, 0.01))+3)
}
