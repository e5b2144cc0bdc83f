// Package crmcheck runs `starter crm-check` as a user does, the starter
// binary against the sandbox command in each of its profiles, and asserts
// its report and the ledger; then runs the redemption suite on a real
// Temporal server, with the worker binary, against the profile whose codes
// differ from the defaults, configured with the codes file the probe wrote.
package crmcheck
