// Command temporalservice is one process of the cluster rehearsal's Temporal
// cluster, built from the server's own packages: one service (frontend,
// history, matching or worker) per process, persistence and visibility in
// PostgreSQL through the server's postgres12 SQL plugin, membership through
// the server's ringpop ring (bootstrapped from the database, as in
// production). Its schema subcommand sets up both databases with Temporal's
// own schema tool (temporal-sql-tool) and the schema embedded in the server
// module.
//
//	temporalservice schema -pg 127.0.0.1:5432
//	temporalservice serve -service history -pg 127.0.0.1:5432 -ports frontend=7233/6933,history=7234/6934,matching=7235/6935,worker=7239/6939
//
// -fifo-queues, -fair-queues and -single-partition-queues set, per task
// queue, how matching orders a backlog: first in first out, task priority
// with fairness, or task priority in one partition (the default is task
// priority over four partitions), for the cashier priority benchmark of
// tests/bench.
//
// With -frontend-http-port the frontend serves its HTTP API, which the
// history service sends Nexus requests through; with -nexus-callers the
// frontend runs an authorizer that admits the requests of the kylin-points
// endpoint from those caller namespaces only (authorizer.go).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/kylinpoints/kylin-points/pointsnexus"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "temporalservice: "+err.Error())
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: temporalservice schema|serve [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	pg := fs.String("pg", "127.0.0.1:5432", "PostgreSQL host:port")
	user := fs.String("pg-user", "temporal", "PostgreSQL user")
	service := fs.String("service", "", "serve: frontend, history, matching or worker")
	ports := fs.String("ports", "", "serve: every service's gRPC/membership ports, e.g. frontend=7233/6933,history=7234/6934,…")
	shards := fs.Int("shards", 4, "serve: history shards (the same in every process, for the life of the database)")
	logLevel := fs.String("log-level", "warn", "serve: debug, info, warn or error")
	httpPort := fs.Int("frontend-http-port", 0, "serve: the frontend's HTTP port, which carries Nexus requests (the same in every process); 0: none")
	nexusCallers := fs.String("nexus-callers", "", "serve: admit the Nexus requests of endpoint "+pointsnexus.EndpointName+
		" from these caller namespaces only, comma-separated (an authorizer); unset: every caller")
	fifoQueues := fs.String("fifo-queues", "", "serve: task queues whose matching ignores task priority (matching.useNewMatcher false), comma-separated")
	fairQueues := fs.String("fair-queues", "", "serve: task queues with fairness between fairness keys (matching.enableFairness), comma-separated")
	singleQueues := fs.String("single-partition-queues", "", "serve: task queues of one partition (matching.numTaskqueueRead/WritePartitions 1), comma-separated")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db := database{addr: *pg, user: *user}
	switch args[0] {
	case "schema":
		return setupSchemas(db)
	case "serve":
		layout, err := parsePorts(*ports)
		if err != nil {
			return err
		}
		opts := serveOptions{shards: *shards, logLevel: *logLevel, httpPort: *httpPort,
			fifoQueues: splitList(*fifoQueues), fairQueues: splitList(*fairQueues), singleQueues: splitList(*singleQueues)}
		if *nexusCallers != "" {
			opts.nexusCallers = strings.Split(*nexusCallers, ",")
		}
		return serve(*service, db, layout, opts, stopSignal())
	}
	return fmt.Errorf("unknown command %q: schema or serve", args[0])
}

// stopSignal closes on SIGTERM or SIGINT, to stop the service gracefully.
func stopSignal() <-chan any {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	stop := make(chan any)
	go func() {
		<-sigs
		close(stop)
	}()
	return stop
}

// splitList splits a comma-separated flag; "" is none.
func splitList(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}
