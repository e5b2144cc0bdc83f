// Package faults holds the fault suites that need no chaos: a redemption
// reset to before its freeze completed, a freeze whose worker is SIGKILLed
// after the CRM applied it, and a table of bad inputs across the starter's
// flags, raw workflow input, CRM answers and sandbox requests.
package faults
