// Package clusterkit starts the production topology for the tests that need
// it (tests/cluster, the load benchmark of tests/bench): PostgreSQL from
// Debian's binaries, initialised in a temporary directory and served on a
// loopback port (as the unprivileged user nobody when run as root), and a
// Temporal cluster of one process per service (frontend, history, matching,
// worker) built from tests/cluster/internal/temporalservice, with the
// namespace registered and its search attributes created as an operator does.
package clusterkit
