// Package testenv is the harness of the end-to-end, fault and benchmark
// suites: a real Temporal server in-process (temporaltest), the CRM sandbox on
// loopback, the worker's own wiring in-process or its real binary as a
// process, and bounded waits. Every helper registers its own cleanup.
package testenv
