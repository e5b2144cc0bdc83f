package docblock

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestShellWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, script string
		want         [][]string
		problem      string
	}{
		{name: "plain", script: "a b  c\n", want: [][]string{{"a", "b", "c"}}},
		{name: "continued", script: "a b \\\n  c\nd", want: [][]string{{"a", "b", "c"}, {"d"}}},
		{name: "single quotes keep all", script: `x --input '{"k": "v w"}'`, want: [][]string{{"x", "--input", `{"k": "v w"}`}}},
		{name: "double quotes", script: `x "a \"b\" c\\d"`, want: [][]string{{"x", `a "b" c\d`}}},
		{name: "quotes inside a word", script: `--query='A = "b"'x`, want: [][]string{{`--query=A = "b"x`}}},
		{name: "comment", script: "a b   # says c\n# alone\nd#e", want: [][]string{{"a", "b"}, {"d#e"}}},
		{name: "unicode", script: "a '积分 兑换'", want: [][]string{{"a", "积分 兑换"}}},
		{name: "unclosed single", script: "a 'b", problem: "unclosed '"},
		{name: "unclosed double", script: `a "b`, problem: `unclosed "`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Words(tc.script)
			if tc.problem != "" {
				require.ErrorContains(t, err, tc.problem)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestBlock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	page := "page.md"
	require.NoError(t, os.WriteFile(filepath.Join(dir, page), []byte("text\n<!-- b:start -->\n```sh\nX=${X:-1}\necho \"$X\"\n```\n<!-- b:end -->\n"), 0o600))
	got, err := Block(dir, page, "b")
	require.NoError(t, err)
	require.Equal(t, "X=${X:-1}\necho \"$X\"\n", got)
	_, err = Block(dir, page, "missing")
	require.ErrorContains(t, err, "has no block missing")
}
