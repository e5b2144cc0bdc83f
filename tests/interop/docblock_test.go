package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/internal/search"
)

// Pages of the documentation whose blocks tests run or compare.
var (
	integrationPage = filepath.Join("docs", "integration.md")
	productionPage  = filepath.Join("docs", "production.md")
)

// docBlock returns the commands of the code block between
// <!-- name:start --> and <!-- name:end --> of page (relative to the module
// root), each split into words as sh would: quotes, backslash-newline
// continuations and # comments.
func docBlock(t *testing.T, page, name string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", page))
	require.NoError(t, err)
	text := string(raw)
	start, end := "<!-- "+name+":start -->", "<!-- "+name+":end -->"
	i, j := strings.Index(text, start), strings.Index(text, end)
	require.True(t, i >= 0 && j > i, "%s has no block %s", page, name)
	block := text[i+len(start) : j]
	block = block[strings.Index(block, "\n```")+4:]
	block = block[strings.Index(block, "\n")+1 : strings.LastIndex(block, "```")]
	cmds, err := shellWords(block)
	require.NoError(t, err, "block %s of %s", name, page)
	require.NotEmpty(t, cmds)
	return cmds
}

// shellWords splits a script of simple commands into their words: one
// command a line (a backslash at the end continues it), words separated by
// blanks, '…' and "…" quoting (\" and \\ inside double quotes), and a #
// starting a word begins a comment. Nothing is expanded.
func shellWords(script string) ([][]string, error) {
	var cmds [][]string
	var words []string
	var word strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	endCmd := func() {
		endWord()
		if len(words) > 0 {
			cmds = append(cmds, words)
			words = nil
		}
	}
	rs := []rune(script)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; {
		case c == '\\' && i+1 < len(rs) && rs[i+1] == '\n':
			endWord()
			i++
		case c == '\n':
			endCmd()
		case c == ' ' || c == '\t':
			endWord()
		case c == '#' && !inWord:
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
			endCmd()
		case c == '\'':
			inWord = true
			k := strings.IndexRune(string(rs[i+1:]), '\'')
			if k < 0 {
				return nil, fmt.Errorf("unclosed ' in %q", string(rs[i:]))
			}
			quoted := []rune(string(rs[i+1:])[:k])
			word.WriteString(string(quoted))
			i += len(quoted) + 1
		case c == '"':
			inWord = true
			for i++; ; i++ {
				if i >= len(rs) {
					return nil, fmt.Errorf("unclosed \" in script")
				}
				if rs[i] == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\') {
					i++
				} else if rs[i] == '"' {
					break
				}
				word.WriteRune(rs[i])
			}
		default:
			inWord = true
			word.WriteRune(c)
		}
	}
	endCmd()
	return cmds, nil
}

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
			got, err := shellWords(tc.script)
			if tc.problem != "" {
				require.ErrorContains(t, err, tc.problem)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// The search-attribute commands of docs/production.md are the ones the
// worker names when its namespace lacks them: the temporal CLI's, and
// tcld's for Temporal Cloud.
func TestDocumentedSearchAttributeCommands(t *testing.T) {
	t.Parallel()
	var want [][]string
	for _, a := range search.Attributes {
		want = append(want, strings.Fields(a.CreateCommand("default")))
	}
	require.Equal(t, want, docBlock(t, productionPage, "search-attributes"))
	require.Equal(t, [][]string{strings.Fields(search.TcldCommand("my-ns.a1b2c", search.Attributes))},
		docBlock(t, productionPage, "search-attributes-cloud"))
}
