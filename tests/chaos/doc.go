// Package chaos proves exactly-once under faults. TestChaos runs hundreds of
// redemptions (half confirmed, a fifth cancelled, a fifth left to their hold
// timeout, a tenth by members without enough points) against a real Temporal
// server as a process on SQLite files (the dev binary with only its server
// on), which is SIGKILLed and restarted on those files once mid-run; the
// worker binary as a process that is SIGKILLed twice mid-run; and the
// sandbox CRM as a process, on a ledger file, that is SIGKILLed and
// restarted once. The sandbox faults every operation: 20% fail before
// commit, 10% lose the answer after commit, 5% answer after the client's
// timeout (and still apply), 5% answer 429 with Retry-After. After the storm
// the faults are lifted so that stragglers deep in their retry backoff
// finish. The mix, the drivers, the checks and the table are
// tests/internal/chaoskit's, shared with the cluster rehearsal
// (tests/cluster).
//
// It then holds every redemption and the ledger to exactly-once: every
// workflow ended as its group must; at most one effect per token; per
// redemption consumed + released = frozen; every member's balances conserved,
// nothing left frozen. It prints a table (and writes it to the file named by
// KYLIN_CHAOS_REPORT): workflows by final state, CRM calls by operation and
// outcome, faults by kind, activity retries (from the workflow histories),
// duplicates, lost or stranded points, wall time.
//
//	go test ./tests/chaos -run TestChaos -v                      # 300 redemptions, as CI runs it
//	go test ./tests/chaos -run TestChaos -v -args -workflows 1000
//	KYLIN_CHAOS_WORKFLOWS=1000 KYLIN_CHAOS_REPORT=chaos.txt go test ./tests/chaos -run TestChaos -v -timeout 30m
package chaos
