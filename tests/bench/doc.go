// Package bench measures kylin-points against the engine's own ceiling:
// saga throughput with the sandbox CRM and with no-op activities, the CRM
// client's overhead over bare net/http, the sandbox's durable freeze
// capacity, and the worker's memory with many redemptions parked in FROZEN.
//
// The benchmarks live in the _test files; run them all with the command in
// BENCHMARKS.md. After the run, TestMain prints every figure's median and
// min–max over the -count runs, the derived ratios and the targets.
package bench
