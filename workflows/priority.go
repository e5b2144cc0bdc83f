package workflows

import (
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
)

// Task priority (docs/production.md, "Task priority"): after an outage a
// task queue can hold thousands of settlement tasks; a cashier's redeem must
// not wait behind them. Temporal's matching service dispatches a task queue's
// backlog by priority key (1 first) and, within one key, by fairness key when
// the server has fairness on; a server without either reads the keys as
// nothing and dispatches first in, first out.
const (
	// PriorityCashier is the priority key of what a caller waits for: the
	// run a redeem (or a freeze) starts, and its freeze.
	PriorityCashier = 1
	// PrioritySettlement is the priority key of background work: the
	// release and consume calls that carry out a decision already taken,
	// and the undoing of a freeze that did not settle. Lower than the
	// server's default (3), so that runs started without a key also go
	// first.
	PrioritySettlement = 4
)

// maxFairnessKey is the longest fairness key the server accepts, in bytes.
const maxFairnessKey = 64

// cashierPriority is the priority of a start or a freeze of shop.
func cashierPriority(shop string) temporal.Priority {
	return temporal.Priority{PriorityKey: PriorityCashier, FairnessKey: fairnessKey(shop)}
}

// settlementPriority is the priority of a settlement call of shop.
func settlementPriority(shop string) temporal.Priority {
	return temporal.Priority{PriorityKey: PrioritySettlement, FairnessKey: fairnessKey(shop)}
}

// fairnessKey is the fairness key of shop: its code, so that one busy shop
// does not hold back the others' tasks of the same priority (with
// matching.enableFairness on the server). Without a shop code, "" (the
// default key); a code longer than the server takes is cut, at a character
// boundary (a key cut inside a character is not valid UTF-8, which the
// server's protobuf refuses).
func fairnessKey(shop string) string {
	if len(shop) <= maxFairnessKey {
		return shop
	}
	cut := maxFairnessKey
	for cut > 0 && !utf8.RuneStart(shop[cut]) {
		cut--
	}
	return shop[:cut]
}
