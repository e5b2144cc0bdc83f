package chaoskit

import (
	"context"
	"fmt"
	"sync"

	"github.com/kylinpoints/kylin-points/crm"
	"github.com/kylinpoints/kylin-points/crm/sandbox"
	"github.com/kylinpoints/kylin-points/tests/internal/testenv"
	"github.com/kylinpoints/kylin-points/workflows"
)

// expected is the final state each group must reach.
var expected = map[group]workflows.State{
	groupConfirm: workflows.StateConsumed,
	groupCancel:  workflows.StateReleased,
	groupHold:    workflows.StateReleased,
	groupPoor:    workflows.StateFailed,
}

// ledger is what the sandbox holds at the end of the run.
type ledger struct {
	tokens  map[string]testenv.TokenView
	freezes map[string]sandbox.Freeze
	members map[string]sandbox.Balance
	check   error
}

// readLedger fetches, for every redemption, the record of its three tokens,
// every freeze, every member's balance and the sandbox's own invariant check.
func readLedger(ctx context.Context, admin testenv.Admin, p Plan) (ledger, error) {
	l := ledger{tokens: map[string]testenv.TokenView{}, freezes: map[string]sandbox.Freeze{}, members: map[string]sandbox.Balance{}}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		slots    = make(chan struct{}, 16)
	)
	fetch := func(token string) {
		defer wg.Done()
		slots <- struct{}{}
		defer func() { <-slots }()
		v, err := admin.Token(ctx, token)
		mu.Lock()
		defer mu.Unlock()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		l.tokens[token] = v
	}
	for _, r := range p.redemptions {
		for _, step := range []string{workflows.StepFreeze, workflows.StepRelease, workflows.StepConsume} {
			wg.Add(1)
			go fetch(workflows.BusinessToken(r.id, step))
		}
	}
	wg.Wait()
	if firstErr != nil {
		return l, firstErr
	}
	fs, err := admin.Freezes(ctx)
	if err != nil {
		return l, err
	}
	for _, f := range fs {
		l.freezes[f.Token] = f
	}
	for m := range p.granted {
		b, err := admin.Balance(ctx, m)
		if err != nil {
			return l, err
		}
		l.members[m] = b
	}
	l.check = admin.Check(ctx)
	return l, nil
}

// verdict is what the checks found; every list must be empty and every count 0.
type verdict struct {
	notTerminal  []string
	wrongOutcome []string
	ledgerBroken []string
	// duplicates counts effects beyond the first under one token.
	duplicates int
	// lostHundredths sums points stranded in freezes or missing from balances.
	lostHundredths int64
}

// verify holds every redemption and member to the rules of exactly-once.
func verify(p Plan, outcomes map[string]outcome, l ledger) verdict {
	var v verdict
	consumedBy := map[string]int64{}
	ours := map[string]bool{}
	for _, r := range p.redemptions {
		o := outcomes[r.id]
		freezeTok := workflows.BusinessToken(r.id, workflows.StepFreeze)
		ours[freezeTok] = true
		for _, step := range []string{workflows.StepFreeze, workflows.StepRelease, workflows.StepConsume} {
			if n := len(l.tokens[workflows.BusinessToken(r.id, step)].Entries); n > 1 {
				v.duplicates += n - 1
				v.ledgerBroken = append(v.ledgerBroken, fmt.Sprintf("%s: %d effects under its %s token", r.id, n, step))
			}
		}
		switch {
		case o.err != nil:
			v.notTerminal = append(v.notTerminal, fmt.Sprintf("%s (%s): %v", r.id, r.group, o.err))
			continue
		case !o.status.State.Terminal():
			v.notTerminal = append(v.notTerminal, fmt.Sprintf("%s (%s): %s", r.id, r.group, o.status.State))
			continue
		case o.status.State != expected[r.group]:
			v.wrongOutcome = append(v.wrongOutcome, fmt.Sprintf("%s (%s): %s, want %s (%s)",
				r.id, r.group, o.status.State, expected[r.group], o.status.Error))
		}
		want := crm.Hundredths(r.points)
		f, frozen := l.freezes[freezeTok]
		switch {
		case r.group == groupPoor && frozen:
			v.ledgerBroken = append(v.ledgerBroken, fmt.Sprintf("%s: a poor member's freeze was applied", r.id))
		case frozen && crm.Hundredths(f.Points) != want:
			v.ledgerBroken = append(v.ledgerBroken, fmt.Sprintf("%s: froze %v, asked %v", r.id, f.Points, r.points))
		case frozen && crm.Hundredths(f.Consumed)+crm.Hundredths(f.Released) != want:
			v.ledgerBroken = append(v.ledgerBroken, fmt.Sprintf("%s: froze %v but consumed %v + released %v", r.id, f.Points, f.Consumed, f.Released))
		case !frozen && o.status.State != workflows.StateFailed:
			v.ledgerBroken = append(v.ledgerBroken, fmt.Sprintf("%s: %s without an applied freeze", r.id, o.status.State))
		}
		if frozen && o.status.State == workflows.StateConsumed {
			if crm.Hundredths(f.Consumed) != want {
				v.ledgerBroken = append(v.ledgerBroken, fmt.Sprintf("%s: CONSUMED but the freeze shows consumed %v", r.id, f.Consumed))
			}
			consumedBy[r.member] += want
		}
	}
	for tok, f := range l.freezes {
		if !ours[tok] {
			v.ledgerBroken = append(v.ledgerBroken, fmt.Sprintf("freeze %s of %s belongs to no redemption", tok, f.MemberID))
		}
		v.lostHundredths += crm.Hundredths(f.Remaining)
	}
	for m, granted := range p.granted {
		b := l.members[m]
		a, fr, c, g := crm.Hundredths(b.Available), crm.Hundredths(b.Frozen), crm.Hundredths(b.Consumed), crm.Hundredths(granted)
		if a+fr+c != g || crm.Hundredths(b.Granted) != g || fr != 0 || c != consumedBy[m] {
			v.ledgerBroken = append(v.ledgerBroken, fmt.Sprintf("member %s: available %v + frozen %v + consumed %v, granted %v (want %v), consumed by CONSUMED redemptions %v",
				m, b.Available, b.Frozen, b.Consumed, b.Granted, granted, crm.PointsFromHundredths(consumedBy[m])))
			v.lostHundredths += abs(g-(a+fr+c)) + abs(c-consumedBy[m])
		}
	}
	if l.check != nil {
		v.ledgerBroken = append(v.ledgerBroken, l.check.Error())
	}
	return v
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
