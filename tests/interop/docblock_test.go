package interop

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/internal/search"
	"github.com/kylinpoints/kylin-points/tests/internal/docblock"
)

// Pages of the documentation whose blocks tests run or compare.
var (
	integrationPage = filepath.Join("docs", "integration.md")
	productionPage  = filepath.Join("docs", "production.md")
)

// docBlock returns the commands of the code block between
// <!-- name:start --> and <!-- name:end --> of page (relative to the module
// root), each split into words as sh would (docblock.Words).
func docBlock(t *testing.T, page, name string) [][]string {
	t.Helper()
	block, err := docblock.Block(filepath.Join("..", ".."), page, name)
	require.NoError(t, err)
	cmds, err := docblock.Words(block)
	require.NoError(t, err, "block %s of %s", name, page)
	require.NotEmpty(t, cmds)
	return cmds
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
