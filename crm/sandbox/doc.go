// Package sandbox is a stand-in for the Aupres Kylin CRM open API: a real
// HTTP server that freezes, releases and consumes loyalty points the way the
// project holds the CRM to (docs/crm.md), with a durable ledger and fault
// injection for tests and the local dev stack.
//
// A *Server is an http.Handler. It checks the gateway signature and
// timestamp (401), the caller's allowed member types (403), the member (404)
// and the body (400), then applies the operation exactly once per
// X-Business-Token: the same token with the same operation and body gets the
// stored first answer again (header crm.HeaderReplayed is "true"), the same
// token with another body or operation gets 409. Business rejections
// (CodePointNotEnough, CodeFreezeNotFound, CodeFreezeNotEnough) answer 200
// with success false and are stored like successes.
//
// All balance changes go through one writer goroutine (group commit): it
// takes every pending operation, up to 256, runs them in order in one SQLite
// transaction, commits once, and only then answers them. The token record
// and the balance change of an operation therefore commit together, and
// concurrent requests can neither overdraw a member nor apply a token twice.
//
// With Config.Path set the ledger is a SQLite file in WAL mode with
// synchronous=FULL: an answer leaves only after its commit is on disk, and a
// restart on the same file loses nothing. With Path empty the ledger lives
// in memory on one connection and is gone when the server closes. Amounts
// are stored as integer hundredths (crm.Hundredths), never as floats.
//
// The admin API under /sandbox/ is unsigned JSON:
//
//	POST /sandbox/members        {"memberId","memberType","points"} seeds or tops up → Balance
//	GET  /sandbox/members/{id}   → Balance, 404 when unknown
//	POST /sandbox/demo           creates the missing demo members (SeedDemo) → [Balance...]
//	GET  /sandbox/tokens/{token} → {"record": TokenRecord or null, "entries": [Entry...]}
//	GET  /sandbox/freezes        → [Freeze...]
//	GET  /sandbox/faults         → Faults
//	PUT  /sandbox/faults         Faults → Faults (400 when a rate is out of range)
//	POST /sandbox/faults/script  [ScriptedFault] → {"pending": n}: the next requests of their ops
//	GET  /sandbox/stats          → Stats
//	GET  /sandbox/check          → 200 {"ok":true}, or 500 {"ok":false,"error":...}
//
// In Faults JSON the durations latencyDuration and retryAfter are Go duration
// strings ("250ms", "2s") or numbers of seconds (0.25, 2).
//
// The signed balance query is POST {BalancePath} with {"memberId","memberType"}.
//
// Config.Profile makes the sandbox answer as a real CRM may where docs/crm.md
// only assumes (Profiles, ProfileNamed): other code names (other-codes), no
// `success` field (no-success), CodeFreezeNotFound for a freeze settled in
// full (settled-not-found), a short memory of tokens (short-memory). The
// ledger, its stats and CheckInvariants keep the sandbox's own codes.
package sandbox
