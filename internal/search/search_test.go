package search

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMemberValue(t *testing.T) {
	t.Parallel()
	key := []byte("k")
	h := MemberValue(MemberHashed, key, "m-1")
	require.Regexp(t, `^h1:[0-9a-f]{32}$`, h)
	require.Equal(t, h, MemberValue(MemberHashed, key, "m-1"), "deterministic, so a search finds it")
	require.NotEqual(t, h, MemberValue(MemberHashed, []byte("other key"), "m-1"), "keyed")
	require.NotEqual(t, h, MemberValue(MemberHashed, key, "m-2"))
	require.NotContains(t, h, "m-1")
	require.Equal(t, "m-1", MemberValue(MemberRaw, key, "m-1"))
	require.Empty(t, MemberValue(MemberNone, key, "m-1"))
	require.Empty(t, MemberValue(MemberHashed, nil, "m-1"), "no key, no value")
}

func TestQuery(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))
	tests := []struct {
		f    Filter
		want string
	}{
		{Filter{}, ""},
		{Filter{Types: []string{"RedemptionWorkflow"}, State: "FROZEN"}, "WorkflowType IN ('RedemptionWorkflow') AND KylinState = 'FROZEN'"},
		{Filter{Member: "o'brien\\x", StartedBefore: at}, `KylinMember = 'o\'brien\\x' AND StartTime < '2026-12-02T04:00:00Z'`},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, tc.f.Query())
	}
}

func TestCreateCommand(t *testing.T) {
	t.Parallel()
	var got []string
	for _, a := range Attributes {
		got = append(got, a.CreateCommand("prod"))
	}
	require.Equal(t, []string{
		"temporal operator search-attribute create --namespace prod --name KylinState --type Keyword",
		"temporal operator search-attribute create --namespace prod --name KylinPoints --type Double",
		"temporal operator search-attribute create --namespace prod --name KylinMember --type Keyword",
		"temporal operator search-attribute create --namespace prod --name KylinHoldUntil --type Datetime",
	}, got)
}
