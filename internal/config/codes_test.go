package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm"
)

// writeNamed writes content to name in a new temporary directory.
func writeNamed(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestCodesFileGood(t *testing.T) {
	t.Parallel()
	other := crm.Codes{
		PointNotEnough:  []string{"POINTS_INSUFFICIENT"},
		FreezeNotFound:  []string{"FREEZE_RECORD_MISSING", "40401"},
		FreezeNotEnough: []string{"FREEZE_BALANCE_LOW"},
		Success:         []string{"OK"},
		WithoutSuccess:  crm.WithoutSuccessReadCode,
	}
	partial := crm.DefaultCodes()
	partial.FreezeNotFound = []string{"NO_FREEZE"}
	none := crm.DefaultCodes()
	none.FreezeNotEnough = []string{}
	tests := []struct {
		name, file, content string
		want                crm.Codes
	}{
		{"JSON, every key", "codes.json", `{"pointNotEnough":["POINTS_INSUFFICIENT"],"freezeNotFound":["FREEZE_RECORD_MISSING","40401"],
			"freezeNotEnough":["FREEZE_BALANCE_LOW"],"success":["OK"],"withoutSuccess":"code"}`, other},
		{"TOML, every key", "codes.toml", "# the CRM's codes\npointNotEnough = [\"POINTS_INSUFFICIENT\"]\n" +
			"freezeNotFound = [\"FREEZE_RECORD_MISSING\", \"40401\"]\nfreezeNotEnough = [\"FREEZE_BALANCE_LOW\"]\n" +
			"success = [\"OK\"]\nwithoutSuccess = \"code\"\n", other},
		{"a key left out keeps its default", "codes.toml", "freezeNotFound = [\"NO_FREEZE\"]\n", partial},
		{"an empty list: the CRM has no such code", "codes.json", `{"freezeNotEnough":[]}`, none},
		{"an empty file is the defaults", "codes.toml", "", crm.DefaultCodes()},
		{"the extension in capitals", "CODES.JSON", `{}`, crm.DefaultCodes()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeNamed(t, tt.file, tt.content)
			got, problems := ReadCodesFile(path)
			require.Empty(t, problems)
			require.Equal(t, tt.want, got)

			cfg, err := Load([]string{"--crm-codes-file", path}, mapEnv(minimal()))
			require.NoError(t, err)
			require.Equal(t, &tt.want, cfg.CRM.Codes)
			require.Equal(t, path, cfg.CRM.CodesFile)
			require.Equal(t, &tt.want, cfg.CRM.Client().Codes, "the client reads answers with the same mapping")
		})
	}
	cfg, err := Load(nil, mapEnv(minimal()))
	require.NoError(t, err)
	require.Nil(t, cfg.CRM.Codes, "no file: the defaults")
	require.Equal(t, crm.DefaultCodes(), cfg.CRM.CodesInUse())
}

// Every bad codes file stops the worker with one line per problem, each
// naming the variable, the flag and the file.
func TestCodesFileBad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, content string
		want                []string
	}{
		{"unknown keys, one line each", "codes.toml", "freezeNotFund = [\"A\"]\nsucess = [\"OK\"]\n",
			[]string{`unknown key "freezeNotFund"`, `unknown key "sucess"`}},
		{"unknown key in JSON", "codes.json", `{"freezeNotFound":["A"],"pointsNotEnough":["B"]}`, []string{`unknown key "pointsNotEnough"`}},
		{"empty code", "codes.json", `{"freezeNotFound":["A",""]}`, []string{"freezeNotFound: a code is empty"}},
		{"blank code", "codes.toml", "success = [\"  \"]\n", []string{"success: a code is empty"}},
		{"duplicate code", "codes.toml", "freezeNotEnough = [\"LOW\", \"LOW\"]\n", []string{`freezeNotEnough: code "LOW" is listed twice`}},
		{"a code under two meanings", "codes.json", `{"freezeNotFound":["X"],"freezeNotEnough":["X"]}`,
			[]string{`code "X" is under both freezeNotFound and freezeNotEnough: a code has one meaning`}},
		{"a code under a default's meaning too", "codes.toml", "freezeNotEnough = [\"FREEZE_NOT_FOUND\"]\n",
			[]string{`code "FREEZE_NOT_FOUND" is under both freezeNotFound and freezeNotEnough: a code has one meaning (keys the file leaves out keep their defaults: pointNotEnough, freezeNotFound, success)`}},
		{"a code that can never match", "codes.json", `{"success":["OK\n"]}`, []string{`success: code "OK\n" can never match`}},
		{"a number, not a string", "codes.toml", "freezeNotFound = [40401]\n", []string{`freezeNotFound: item 1 is 40401, not a string: write codes in quotes, e.g. "40401"`}},
		{"not a list", "codes.json", `{"freezeNotFound":"A"}`, []string{`freezeNotFound must be a list of codes`}},
		{"withoutSuccess not a value", "codes.toml", "withoutSuccess = \"maybe\"\n", []string{`withoutSuccess: "maybe" is not "applied" or "code"`}},
		{"withoutSuccess not a string", "codes.json", `{"withoutSuccess":false}`, []string{`withoutSuccess must be a string, "applied" or "code"`}},
		{"not JSON", "codes.json", `{"freezeNotFound":`, []string{"is not a JSON object"}},
		{"a JSON list", "codes.json", `["A"]`, []string{"is not a JSON object"}},
		{"JSON null", "codes.json", `null`, []string{"is not a JSON object"}},
		{"trailing data", "codes.json", `{} {}`, []string{"has data after its JSON object"}},
		{"not TOML", "codes.toml", "freezeNotFound = [\"A\"\n", []string{"is not TOML"}},
		{"no format", "codes.yaml", "freezeNotFound: [A]\n", []string{"a codes file must be named *.json or *.toml"}},
		{"every problem at once", "codes.json", `{"freezeNotFound":["A","A",""],"other":1,"withoutSuccess":"no"}`,
			[]string{`unknown key "other"`, `freezeNotFound: code "A" is listed twice`, "freezeNotFound: a code is empty", `withoutSuccess: "no"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeNamed(t, tt.file, tt.content)
			_, err := Load(nil, mapEnv(with(minimal(), "KYLIN_CRM_CODES_FILE", path)))
			var problems Problems
			require.ErrorAs(t, err, &problems)
			require.Len(t, problems, len(tt.want), "%q", problems)
			for i, w := range tt.want {
				require.True(t, strings.HasPrefix(problems[i], "KYLIN_CRM_CODES_FILE (--crm-codes-file) "+path+": "), problems[i])
				require.Contains(t, problems[i], w)
				require.NotContains(t, problems[i], "\n", "one line each")
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "absent.toml")
		_, err := Load([]string{"--crm-codes-file", path}, mapEnv(minimal()))
		require.EqualError(t, err, "KYLIN_CRM_CODES_FILE (--crm-codes-file) "+path+": cannot read it: no such file or directory")
	})
	t.Run("too large", func(t *testing.T) {
		t.Parallel()
		path := writeNamed(t, "codes.toml", "# "+strings.Repeat("x", maxCodesFileBytes))
		_, problems := ReadCodesFile(path)
		require.Equal(t, []string{path + ": is larger than 1048576 bytes"}, problems)
	})
}

// What crm-check writes, the worker reads back as it was, in both formats.
func TestWriteCodesFileRoundTrip(t *testing.T) {
	t.Parallel()
	codes := crm.Codes{
		PointNotEnough:  []string{"POINTS_INSUFFICIENT"},
		FreezeNotFound:  []string{"FREEZE_RECORD_MISSING", `quote"and\back<slash>`},
		FreezeNotEnough: []string{},
		Success:         []string{"积分成功"},
		WithoutSuccess:  crm.WithoutSuccessReadCode,
	}
	dir := t.TempDir()
	for _, name := range []string{"codes.toml", "codes.json"} {
		path := filepath.Join(dir, name)
		require.NoError(t, WriteCodesFile(path, codes, []string{"written by a test", "two\nlines"}))
		got, problems := ReadCodesFile(path)
		require.Empty(t, problems)
		require.Equal(t, codes, got)
		info, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o644), info.Mode().Perm())
		if name == "codes.toml" {
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(string(raw), "# written by a test\n# two lines\n"), string(raw))
		}
	}
	require.ErrorContains(t, WriteCodesFile(filepath.Join(dir, "codes.txt"), codes, nil), "*.json or *.toml")
	require.ErrorContains(t, WriteCodesFile(filepath.Join(dir, "bad.toml"), crm.Codes{Success: []string{""}}, nil), "a code is empty")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.ElementsMatch(t, []string{"codes.toml", "codes.json"}, names, "no temporary file left, nothing written when refused")
}

func TestBindCRMCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		max     float64
		problem string
	}{
		{"defaults", minimal(), nil, 1, ""},
		{"max from env", with(minimal(), "KYLIN_CRM_CHECK_MAX_POINTS", "2.5"), nil, 2.5, ""},
		{"max at the ceiling", with(minimal(), "KYLIN_CRM_CHECK_MAX_POINTS", "100"), nil, 100, ""},
		{"max above the ceiling", with(minimal(), "KYLIN_CRM_CHECK_MAX_POINTS", "1000"), nil, 0,
			`KYLIN_CRM_CHECK_MAX_POINTS "1000" must be more than 0 and at most 100`},
		{"max not a number", with(minimal(), "KYLIN_CRM_CHECK_MAX_POINTS", "lots"), nil, 0, `KYLIN_CRM_CHECK_MAX_POINTS "lots" is not a number`},
		{"max three decimals", with(minimal(), "KYLIN_CRM_CHECK_MAX_POINTS", "0.001"), nil, 0, "at most 2 decimal places"},
		{"no base URL", nil, nil, 1, "KYLIN_CRM_BASE_URL (--crm-base-url) is required"},
		{"the worker's CRM checks", minimal(), []string{"--crm-timeout", "1h"}, 1, "KYLIN_CRM_TIMEOUT (--crm-timeout)"},
		{"the worker's codes file", minimal(), []string{"--crm-codes-file", "codes.ini"}, 1, "*.json or *.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			read := BindCRMCheck(fs, mapEnv(tt.env))
			require.Error(t, fs.Parse([]string{"--max-points", "5"}), "no flag raises the cap")
			require.NoError(t, fs.Parse(tt.args))
			got, p := read()
			if tt.problem != "" {
				require.Len(t, p, 1, "%q", p)
				require.Contains(t, p[0], tt.problem)
				return
			}
			require.Empty(t, p)
			require.Equal(t, tt.max, got.MaxPoints)
			require.Equal(t, "https://kylinapi.example.com", got.CRM.BaseURL)
		})
	}
}
