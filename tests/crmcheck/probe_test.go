package crmcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/crmcheck"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// probe is the starter binary pointed at one sandbox process, configured
// only through the documented variables, as a user runs it.
type probe struct {
	bin string
	sb  *testenv.SandboxProcess
}

// startProbe runs the sandbox command in profile and grants member points.
func startProbe(ctx context.Context, t *testing.T, profile, member string, points float64, sandboxArgs ...string) probe {
	t.Helper()
	sb := testenv.StartSandboxProcess(t, t.TempDir(), append([]string{"-profile", profile}, sandboxArgs...)...)
	_, err := sb.Admin().Grant(ctx, member, points)
	require.NoError(t, err)
	return probe{bin: testenv.Binary(t, "./starter"), sb: sb}
}

// env is the starter's environment: the sandbox's URL and the demo
// caller's credentials, plus extra KEY=VALUE settings.
func (p probe) env(extra ...string) []string {
	return testenv.Env(append([]string{
		"KYLIN_CRM_BASE_URL=" + p.sb.URL,
		"KYLIN_CRM_SERVICE_NAME=" + sandbox.DemoServiceName,
		"KYLIN_CRM_SERVICE_SECRET=" + sandbox.DemoSecret,
	}, extra...)...)
}

// runJSON runs crm-check --json on member, checks its exit status, and
// returns its one JSON report.
func (p probe) runJSON(ctx context.Context, t *testing.T, code int, member string, env []string, args ...string) (crmcheck.Report, testenv.Result) {
	t.Helper()
	all := append([]string{"crm-check", "--member", member, "--yes", "--json", "--balance-path", sandbox.DefaultBalancePath}, args...)
	res := testenv.RunCommand(ctx, t, p.bin, env, all...)
	require.Equal(t, code, res.Code, "starter %v\nstdout: %s\nstderr: %s", all, res.Stdout, res.Stderr)
	dec := json.NewDecoder(strings.NewReader(res.Stdout))
	var rep crmcheck.Report
	require.NoError(t, dec.Decode(&rep), "stdout: %q", res.Stdout)
	require.False(t, dec.More(), "one JSON object: %q", res.Stdout)
	require.NotNil(t, rep.LeftFrozen, "leftFrozen is always present")
	return rep, res
}

// flagged are the steps with a verdict other than ok, with their verdicts.
func flagged(rep crmcheck.Report) map[string]string {
	out := map[string]string{}
	for step, v := range rep.Verdicts() {
		if strings.Trim(strings.ReplaceAll(v, crmcheck.VerdictOK, ""), ",") != "" {
			out[step] = v
		}
	}
	return out
}

func each(verdict string, steps ...string) map[string]string {
	out := map[string]string{}
	for _, s := range steps {
		out[s] = verdict
	}
	return out
}

var refusalSteps = []string{"consume-released", "consume-settled", "release-after-consume", "release-never-frozen", "consume-never-frozen"}

// The probe against each profile, as a user runs it: under the default
// mapping it flags exactly where kylin-points would be wrong or know
// nothing, and writes a codes file; run again with that file as
// KYLIN_CRM_CODES_FILE, it flags only what no mapping can fix. Each run
// exits 0, leaves nothing frozen in the ledger and consumed its amount once.
func TestProbeEachProfile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		profile string
		// first and then are the flagged steps under the default mapping,
		// then under the written codes file.
		first, then map[string]string
		written     crm.Codes
		// broken is what the ledger's invariants report, "" for nothing.
		broken string
	}{
		{profile: sandbox.ProfileDefault, first: map[string]string{}, then: map[string]string{},
			written: withoutSuccessCode(crm.DefaultCodes())},
		{profile: sandbox.ProfileOtherCodes, first: each(crmcheck.VerdictUnknown, refusalSteps...), then: map[string]string{},
			written: crm.Codes{PointNotEnough: []string{crm.DefaultCodePointNotEnough}, FreezeNotFound: []string{"40004"},
				FreezeNotEnough: []string{"40009"}, Success: []string{"0"}, WithoutSuccess: crm.WithoutSuccessReadCode}},
		{profile: sandbox.ProfileNoSuccess,
			first: merge(each(crmcheck.VerdictWrong, refusalSteps...), each(crmcheck.VerdictNote, "balance-after")),
			then:  map[string]string{}, written: withoutSuccessCode(crm.DefaultCodes())},
		{profile: sandbox.ProfileSettledNotFound,
			first:   each(crmcheck.VerdictNote, "consume-released", "consume-settled", "release-after-consume"),
			then:    each(crmcheck.VerdictNote, "consume-released", "consume-settled", "release-after-consume"),
			written: withoutSuccessCode(crm.DefaultCodes())},
		{profile: sandbox.ProfileShortMemory,
			first:   each(crmcheck.VerdictWrong, "freeze-replay-late"),
			then:    each(crmcheck.VerdictWrong, "freeze-replay-late"),
			written: withoutSuccessCode(crm.DefaultCodes()), broken: "2 effects"},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			const member = "probe-member"
			p := startProbe(ctx, t, tt.profile, member, 10)
			codes := filepath.Join(t.TempDir(), "codes.toml")

			rep, res := p.runJSON(ctx, t, 0, member, p.env(), "--write-codes", codes)
			require.Empty(t, res.Stderr)
			require.Equal(t, tt.first, flagged(rep), "%+v", rep.Steps)
			require.Empty(t, rep.LeftFrozen)
			require.Equal(t, codes, rep.CodesFile)
			require.True(t, strings.HasPrefix(rep.RunID, "crm-check-"))
			for _, s := range rep.Steps {
				if s.Token != "" {
					require.True(t, strings.HasPrefix(s.Token, rep.RunID+"-"), "every token derives from the run ID: %s", s.Token)
				}
			}
			written, problems := config.ReadCodesFile(codes)
			require.Empty(t, problems)
			require.Equal(t, tt.written, written)

			again, res := p.runJSON(ctx, t, 0, member, p.env("KYLIN_CRM_CODES_FILE="+codes))
			require.Empty(t, res.Stderr)
			require.Equal(t, written.String(), again.Codes, "the second run reads the file")
			require.Equal(t, tt.then, flagged(again), "%+v", again.Steps)
			require.Empty(t, again.LeftFrozen)

			b, err := p.sb.Admin().Balance(ctx, member)
			require.NoError(t, err)
			require.Equal(t, sandbox.Balance{MemberID: member, MemberType: crm.DefaultMemberType, Available: 9.98, Consumed: 0.02, Granted: 10}, b,
				"nothing frozen, each run consumed its amount once")
			err = p.sb.Admin().Check(ctx)
			if tt.broken == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tt.broken, "the CRM with a short memory applied a token twice, and the probe said so")
			}
		})
	}
}

func withoutSuccessCode(c crm.Codes) crm.Codes {
	c.WithoutSuccess = crm.WithoutSuccessReadCode
	return c
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// The human report: a header naming the run, one line per step with its
// status, success, code, latency and conclusion, and a closing summary.
func TestProbeHumanReport(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := startProbe(ctx, t, sandbox.ProfileOtherCodes, "human-member", 1)
	res := testenv.RunCommand(ctx, t, p.bin, p.env(), "crm-check", "--member", "human-member", "--yes", "--points", "0.05")
	require.Equal(t, 0, res.Code, res.Stderr)
	lines := strings.Split(strings.TrimSuffix(res.Stdout, "\n"), "\n")
	require.Regexp(t, `^crm-check run (crm-check-\S+) against http://127\.0\.0\.1:\d+, member human-member, 0\.05 points; every token starts crm-check-`, lines[0])
	require.True(t, strings.HasPrefix(lines[1], "codes mapping: pointNotEnough=[POINT_NOT_ENOUGH]"), lines[1])
	steps := lines[2 : len(lines)-2]
	require.Len(t, steps, 17, "one line per step, no balance without --balance-path: %s", res.Stdout)
	require.Regexp(t, `^freeze\s+HTTP 200\s+success=true\s+code=0\s+\S+ms\s+"freeze applied"\s+→ frozen$`, steps[0])
	require.Regexp(t, `^release-never-frozen\s+HTTP 200\s+success=false code=40004\s+.*→ UNKNOWN: refused with code "40004", not in the mapping`, steps[12])
	require.Regexp(t, `^bad-signature\s+HTTP 401\s+success=false code=UNAUTHORIZED`, steps[14])
	require.Equal(t, "0 step(s) where kylin-points would conclude something wrong, 5 where it cannot conclude (see docs/crm.md, Checking your CRM)", lines[len(lines)-2])
	require.True(t, strings.HasPrefix(lines[len(lines)-1], "left frozen: nothing"), lines[len(lines)-1])
	for _, l := range lines {
		require.NotContains(t, l, sandbox.DemoSecret)
	}
}

// A CRM that refuses every settlement: the probe cannot release what it
// froze, so it exits 1, says on one stderr line which tokens hold what,
// and its report lists exactly what the ledger still holds.
func TestProbeSaysWhatStaysFrozen(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := startProbe(ctx, t, sandbox.ProfileDefault, "stuck-member", 10)
	var refusals []sandbox.ScriptedFault
	for range 30 {
		refusals = append(refusals, sandbox.ScriptedFault{Op: crm.OpRelease, Kind: sandbox.ScriptRefuse, Status: 403},
			sandbox.ScriptedFault{Op: crm.OpConsume, Kind: sandbox.ScriptRefuse, Status: 403})
	}
	_, err := p.sb.Admin().Script(ctx, refusals...)
	require.NoError(t, err)
	rep, res := p.runJSON(ctx, t, 1, "stuck-member", p.env())
	f1, f2 := rep.RunID+"-f1", rep.RunID+"-f2"
	require.Equal(t, []crmcheck.Held{{FreezeToken: f1, Points: 0.01, Certain: true}, {FreezeToken: f2, Points: 0.02, Certain: true}}, rep.LeftFrozen)
	require.Equal(t, fmt.Sprintf("starter: crm-check: points stay (or may stay) frozen, settle them in the CRM: 0.01 under %s, 0.02 under %s\n", f1, f2), res.Stderr)

	freezes, err := p.sb.Admin().Freezes(ctx)
	require.NoError(t, err)
	held := map[string]float64{}
	for _, f := range freezes {
		if f.Remaining > 0 {
			held[f.Token] = f.Remaining
		}
	}
	require.Equal(t, map[string]float64{f1: 0.01, f2: 0.02}, held, "the report is what the CRM holds")
}

// A CRM nothing answers: exit 1, nothing claimed frozen (no request could
// even connect), one line on stderr.
func TestProbeUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bin := testenv.Binary(t, "./starter")
	res := testenv.RunCommand(ctx, t, bin, testenv.Env("KYLIN_CRM_BASE_URL=http://"+testenv.FreeAddr(t)), "crm-check", "--member", "m", "--yes", "--json")
	require.Equal(t, 1, res.Code)
	var rep crmcheck.Report
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &rep))
	require.Contains(t, rep.Unreachable, "the CRM could not be reached")
	require.Empty(t, rep.LeftFrozen)
	require.Equal(t, 1, strings.Count(res.Stderr, "\n"), res.Stderr)
	require.True(t, strings.HasPrefix(res.Stderr, "starter: crm-check: the CRM could not be reached"), res.Stderr)
}
