package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
)

// benchMembers is how many members the load is spread over, and
// benchBalance what each is granted: enough for every part at its largest.
const (
	benchMembers = 64
	benchBalance = 1_000_000
)

// member is the i-th bench member.
func member(i int) string { return fmt.Sprintf("bench-member-%02d", i%benchMembers) }

// fundMembers grants every bench member benchBalance points.
func fundMembers(b testing.TB, sb *testenv.Sandbox) {
	b.Helper()
	for i := range benchMembers {
		_, err := sb.Grant(context.Background(), member(i), "", benchBalance)
		require.NoError(b, err)
	}
}
