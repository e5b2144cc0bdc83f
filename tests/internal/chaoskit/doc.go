// Package chaoskit is the exactly-once rehearsal the chaos suite
// (tests/chaos) and the cluster rehearsal (tests/cluster) share: the mix of
// redemptions (50% confirm, 20% cancel, 20% hold timeout, 10% members
// without enough points), the drivers that start, decide and await them
// through kills and restarts, the checks of every token against the
// sandbox's ledger, and the report table. What is killed, and how, is the
// caller's: Run calls its Disrupt while the load runs.
package chaoskit
