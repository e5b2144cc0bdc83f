package startercli

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/internal/config"
	"github.com/kylinpoints/kylin-points/internal/crmcheck"
)

// Every bad crm-check command line exits 2 with one line naming every
// problem and sends nothing: the CRM here is an address nothing serves, and
// the App has no Temporal client.
func TestCRMCheckBadUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badCodes := filepath.Join(dir, "codes.toml")
	require.NoError(t, os.WriteFile(badCodes, []byte("freezeNotFund = [\"X\"]\n"), 0o600))
	crmEnv := map[string]string{"KYLIN_CRM_BASE_URL": "http://127.0.0.1:1"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{"KYLIN_CRM_BASE_URL": "http://127.0.0.1:1"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	ok := []string{"crm-check", "--member", "m", "--yes"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"no member, no yes", crmEnv, []string{"crm-check"}, []string{"--member is required", "--yes is required"}},
		{"no yes", crmEnv, []string{"crm-check", "--member", "m"}, []string{"--yes is required: the check freezes, releases and consumes real points"}},
		{"yes=false", crmEnv, []string{"crm-check", "--member", "m", "--yes=false"}, []string{"--yes is required"}},
		{"blank member", crmEnv, []string{"crm-check", "--member", "  ", "--yes"}, []string{"--member is required"}},
		{"member with a newline", crmEnv, []string{"crm-check", "--member", "a\nb", "--yes"}, []string{"--member: memberId must not contain control characters"}},
		{"points over the cap", crmEnv, append(ok, "--points", "2"), []string{"--points 2 is more than 1, the most KYLIN_CRM_CHECK_MAX_POINTS allows"}},
		{"points over a lowered cap", with("KYLIN_CRM_CHECK_MAX_POINTS", "0.05"), append(ok, "--points", "0.06"), []string{"--points 0.06 is more than 0.05"}},
		{"points three decimals", crmEnv, append(ok, "--points", "0.001"), []string{"--points: point may have at most 2 decimal places"}},
		{"points zero", crmEnv, append(ok, "--points", "0"), []string{"--points: point must be greater than 0"}},
		{"points not a number", crmEnv, append(ok, "--points", "a-little"), []string{`--points "a-little" is not a number`}},
		{"cap above the ceiling", with("KYLIN_CRM_CHECK_MAX_POINTS", "500"), ok, []string{`KYLIN_CRM_CHECK_MAX_POINTS "500" must be more than 0 and at most 100`}},
		{"no flag raises the cap", crmEnv, append(ok, "--max-points", "50"), []string{"flag provided but not defined: -max-points"}},
		{"balance path", crmEnv, append(ok, "--balance-path", "/balance"), []string{`--balance-path "/balance" is not /{contextPath}/{version}/{requestPath}`}},
		{"codes file format", crmEnv, append(ok, "--write-codes", filepath.Join(dir, "codes.yaml")), []string{"must end in .toml or .json"}},
		{"codes file directory", crmEnv, append(ok, "--write-codes", filepath.Join(dir, "none", "codes.toml")), []string{"its directory does not exist"}},
		{"no CRM", nil, ok, []string{"KYLIN_CRM_BASE_URL (--crm-base-url) is required"}},
		{"a bad codes file", with("KYLIN_CRM_CODES_FILE", badCodes), ok, []string{`KYLIN_CRM_CODES_FILE (--crm-codes-file) ` + badCodes + `: unknown key "freezeNotFund"`}},
		{"a CRM setting", crmEnv, append(ok, "--crm-timeout", "1m"), []string{"KYLIN_CRM_TIMEOUT (--crm-timeout)"}},
		{"Temporal flags are not its", crmEnv, append(ok, "--address", "h:1"), []string{"flag provided but not defined: -address"}},
		{"positional argument", crmEnv, append(ok, "now"), []string{`unexpected argument "now"`}},
		{"with --json", crmEnv, []string{"crm-check", "--json"}, []string{"--member is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := tt.env
			code, stdout, stderr := runApp(t, &App{Env: func(k string) string { return env[k] }}, tt.args...)
			require.Equal(t, ExitUsage, code)
			require.Empty(t, stdout)
			require.Equal(t, 1, strings.Count(stderr, "\n"), "exactly one line: %q", stderr)
			require.True(t, strings.HasPrefix(stderr, "starter: crm-check: "), stderr)
			require.True(t, strings.HasSuffix(stderr, "(see starter crm-check --help)\n"), stderr)
			for _, w := range tt.want {
				require.Contains(t, stderr, w)
			}
		})
	}
}

func TestCRMCheckHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"crm-check", "--help"}, {"help", "crm-check"}, {"crm-check", "-h"}} {
		code, stdout, stderr := runApp(t, &App{}, args...)
		require.Equal(t, ExitOK, code)
		require.Empty(t, stderr)
		for _, w := range []string{"Usage: starter crm-check --member ID --yes", "--balance-path PATH", "--write-codes FILE",
			"KYLIN_CRM_CODES_FILE", "KYLIN_CRM_CHECK_MAX_POINTS", "freeze-replay-late:", "Exit status: 0"} {
			require.Contains(t, stdout, w)
		}
		require.NotContains(t, stdout, "--ui-url", "no Temporal settings")
	}
	code, stdout, _ := runApp(t, &App{}, "--help")
	require.Equal(t, ExitOK, code)
	require.Contains(t, stdout, "crm-check")
}

// crm-check runs without Temporal (the App has no client) against a
// sandbox, prints one JSON report, writes the codes file, and exits 0.
func TestCRMCheckRunsWithoutTemporal(t *testing.T) {
	t.Parallel()
	p, err := sandbox.ProfileNamed(sandbox.ProfileOtherCodes)
	require.NoError(t, err)
	s, err := sandbox.New(sandbox.Config{Callers: map[string]sandbox.Caller{"svc": {Secret: "secret"}}, Profile: p})
	require.NoError(t, err)
	_, err = s.Grant(context.Background(), "m-check", "", 1)
	require.NoError(t, err)
	hs := httptest.NewServer(s)
	t.Cleanup(func() { hs.Close(); _ = s.Close() })

	codes := filepath.Join(t.TempDir(), "codes.json")
	env := map[string]string{"KYLIN_CRM_BASE_URL": hs.URL, "KYLIN_CRM_SERVICE_NAME": "svc", "KYLIN_CRM_SERVICE_SECRET": "secret"}
	code, stdout, stderr := runApp(t, &App{Env: func(k string) string { return env[k] }},
		"crm-check", "--member", "m-check", "--yes", "--json", "--write-codes", codes)
	require.Equal(t, ExitOK, code, stderr)
	require.Empty(t, stderr)
	var rep crmcheck.Report
	dec := json.NewDecoder(strings.NewReader(stdout))
	require.NoError(t, dec.Decode(&rep))
	require.False(t, dec.More(), "one JSON object")
	require.Equal(t, codes, rep.CodesFile)
	require.Equal(t, 5, rep.Unknown, "the five refusals with codes the default mapping does not know")
	require.Empty(t, rep.LeftFrozen)
	got, problems := config.ReadCodesFile(codes)
	require.Empty(t, problems)
	require.Equal(t, []string{"40004"}, got.FreezeNotFound)
	require.Equal(t, []string{"40009"}, got.FreezeNotEnough)
}
