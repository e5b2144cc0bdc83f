package interop

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// contractPath is the one place the JSON contract is written.
var contractPath = filepath.Join("..", "..", "docs", "contract.md")

// contract is docs/contract.md read as tables: the body rows of every table
// under each heading (## or ###, without the #s and backticks), cells trimmed.
type contract map[string][][]string

func readContract(t *testing.T) contract {
	t.Helper()
	f, err := os.Open(contractPath)
	require.NoError(t, err)
	defer f.Close()
	c := contract{}
	heading, rowInTable := "", 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
			heading, rowInTable = strings.ReplaceAll(strings.TrimLeft(line, "# "), "`", ""), 0
		case strings.HasPrefix(line, "|"):
			rowInTable++
			if rowInTable <= 2 { // the header and the |---| line
				continue
			}
			var cells []string
			for _, cell := range strings.Split(strings.Trim(line, "|"), "|") {
				cells = append(cells, strings.TrimSpace(cell))
			}
			c[heading] = append(c[heading], cells)
		default:
			rowInTable = 0
		}
	}
	require.NoError(t, sc.Err())
	return c
}

// column is the first cell of every row under heading, unquoted: the names
// the table defines.
func (c contract) column(t *testing.T, heading string, i int) []string {
	t.Helper()
	rows, ok := c[heading]
	require.True(t, ok, "docs/contract.md has no table under %q", heading)
	var out []string
	for _, r := range rows {
		require.Greater(t, len(r), i, "row %v under %q", r, heading)
		out = append(out, unquote(r[i]))
	}
	return out
}

// field is one documented field of a type.
type field struct {
	name string
	// presence is "required", "optional" or "always".
	presence string
}

// fields are the fields documented under ### `name`.
func (c contract) fields(t *testing.T, name string) []field {
	t.Helper()
	rows, ok := c[name]
	require.True(t, ok, "docs/contract.md documents no type %s", name)
	var out []field
	for _, r := range rows {
		require.Len(t, r, 4, "field row %v of %s: | field | type | presence | meaning |", r, name)
		out = append(out, field{name: unquote(r[0]), presence: r[2]})
	}
	return out
}

// unquote drops backticks and any words after the first: "`SettleRequest` (no
// `points`)" is SettleRequest.
func unquote(cell string) string {
	cell = strings.TrimSpace(cell)
	if strings.HasPrefix(cell, "`") {
		if end := strings.Index(cell[1:], "`"); end >= 0 {
			return cell[1 : end+1]
		}
	}
	if i := strings.IndexAny(cell, " ,"); i >= 0 {
		cell = cell[:i]
	}
	return strings.Trim(cell, "`")
}
