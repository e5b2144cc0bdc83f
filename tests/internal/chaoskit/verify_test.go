package chaoskit

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// cleanRun is a two-redemption run whose ledger shows exactly-once: one
// confirmed and consumed, one by a poor member, refused.
func cleanRun() (Plan, map[string]outcome, ledger) {
	p := Plan{
		granted: map[string]float64{"m": 100, "poor": 5},
		redemptions: []planned{
			{id: "a", group: groupConfirm, member: "m", points: 10},
			{id: "b", group: groupPoor, member: "poor", points: 50},
		},
	}
	tokA := workflows.BusinessToken("a", workflows.StepFreeze)
	outcomes := map[string]outcome{
		"a": {status: workflows.RedemptionStatus{State: workflows.StateConsumed}},
		"b": {status: workflows.RedemptionStatus{State: workflows.StateFailed}},
	}
	l := ledger{
		tokens: map[string]testenv.TokenView{
			tokA: {Entries: []sandbox.Entry{{Token: tokA, Op: "freeze"}}},
		},
		freezes: map[string]sandbox.Freeze{tokA: {Token: tokA, MemberID: "m", Points: 10, Consumed: 10}},
		members: map[string]sandbox.Balance{
			"m":    {MemberID: "m", Available: 90, Consumed: 10, Granted: 100},
			"poor": {MemberID: "poor", Available: 5, Granted: 5},
		},
	}
	return p, outcomes, l
}

// TestVerify shows the chaos checks catch what they are there to catch.
func TestVerify(t *testing.T) {
	t.Parallel()
	tokA := workflows.BusinessToken("a", workflows.StepFreeze)
	tests := []struct {
		name  string
		spoil func(map[string]outcome, *ledger)
		check func(t *testing.T, v verdict)
	}{
		{"clean run", func(map[string]outcome, *ledger) {}, func(t *testing.T, v verdict) {
			require.Equal(t, verdict{}, v)
		}},
		{"a token with two effects", func(_ map[string]outcome, l *ledger) {
			v := l.tokens[tokA]
			v.Entries = append(v.Entries, v.Entries[0])
			l.tokens[tokA] = v
		}, func(t *testing.T, v verdict) { require.Equal(t, 1, v.duplicates) }},
		{"points left frozen", func(_ map[string]outcome, l *ledger) {
			l.freezes[tokA] = sandbox.Freeze{Token: tokA, MemberID: "m", Points: 10, Consumed: 4, Remaining: 6}
			l.members["m"] = sandbox.Balance{MemberID: "m", Available: 90, Frozen: 6, Consumed: 4, Granted: 100}
		}, func(t *testing.T, v verdict) {
			require.NotEmpty(t, v.ledgerBroken)
			require.Positive(t, v.lostHundredths)
		}},
		{"a poor member's freeze applied", func(_ map[string]outcome, l *ledger) {
			tok := workflows.BusinessToken("b", workflows.StepFreeze)
			l.freezes[tok] = sandbox.Freeze{Token: tok, MemberID: "poor", Points: 50, Released: 50}
		}, func(t *testing.T, v verdict) { require.NotEmpty(t, v.ledgerBroken) }},
		{"a workflow that did not end", func(o map[string]outcome, _ *ledger) {
			o["a"] = outcome{err: errors.New("not ended in time")}
		}, func(t *testing.T, v verdict) { require.Len(t, v.notTerminal, 1) }},
		{"the wrong outcome", func(o map[string]outcome, _ *ledger) {
			o["a"] = outcome{status: workflows.RedemptionStatus{State: workflows.StateReleased}}
		}, func(t *testing.T, v verdict) { require.Len(t, v.wrongOutcome, 1) }},
		{"a freeze nobody asked for", func(_ map[string]outcome, l *ledger) {
			l.freezes["stranger"] = sandbox.Freeze{Token: "stranger", MemberID: "m", Points: 1, Released: 1}
		}, func(t *testing.T, v verdict) { require.NotEmpty(t, v.ledgerBroken) }},
		{"the sandbox's own check failed", func(_ map[string]outcome, l *ledger) {
			l.check = errors.New("ledger invariants broken")
		}, func(t *testing.T, v verdict) { require.NotEmpty(t, v.ledgerBroken) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, o, l := cleanRun()
			tc.spoil(o, &l)
			tc.check(t, verify(p, o, l))
		})
	}
}
