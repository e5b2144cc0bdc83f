// Package cluster rehearses the production topology: the worker binary, three
// of it on one task queue, against a Temporal cluster built from the
// server's own packages (tests/cluster/internal/temporalservice), one
// process per service (frontend, history, matching, worker), persistence
// and visibility in PostgreSQL, the schema set up with Temporal's own
// temporal-sql-tool and the schema embedded in the server module, the
// namespace registered through the frontend as an operator does.
//
// PostgreSQL is Debian's (.ci/run installs the postgresql package when it is
// missing), initialised by the test in a temporary directory and served on
// a loopback port. initdb and postgres refuse to run as root, and CI runs as
// root: then the test runs both as the unprivileged user nobody, through
// setpriv. Without the binaries the test skips, except in CI (CI set), where
// it fails.
//
// PostgreSQL and the cluster are started by tests/internal/clusterkit, which
// the load benchmark of tests/bench shares.
//
// TestClusterRehearsal then measures KYLIN_CRM_MAX_QPS across the three
// workers (a burst of redemptions, no faults, every CRM call timed as the
// CRM sees it), and runs the chaos mix (tests/internal/chaoskit) under the
// sandbox's faults while one worker is SIGKILLed for good and the history
// and frontend services are SIGKILLed and restarted; every redemption must
// end as it should, with no duplicate and no stranded point on the ledger.
//
//	go test ./tests/cluster -run TestClusterRehearsal -v
//	KYLIN_CLUSTER_REPORT=cluster.txt go test ./tests/cluster -run TestClusterRehearsal
package cluster
