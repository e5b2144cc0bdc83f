package main

import (
	"fmt"
	"net"

	"go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	sqltool "go.temporal.io/server/tools/sql"
)

// database is where the cluster keeps its state.
type database struct {
	addr, user string
}

// The two databases, with the embedded schema each gets.
var schemas = []struct{ name, schema string }{
	{"temporal", "postgresql/v12/temporal"},
	{"temporal_visibility", "postgresql/v12/visibility"},
}

// setupSchemas creates both databases and brings their schema to the
// server's version, with the server's own temporal-sql-tool, exactly as
// an operator runs it: create-database, setup-schema -v 0.0, update-schema.
func setupSchemas(db database) error {
	host, port, err := net.SplitHostPort(db.addr)
	if err != nil {
		return fmt.Errorf("-pg %q: %w", db.addr, err)
	}
	for _, s := range schemas {
		common := []string{"temporal-sql-tool", "--plugin", postgresql.PluginName, "--endpoint", host, "--port", port,
			"--user", db.user, "--database", s.name}
		steps := [][]string{
			{"create-database"},
			{"setup-schema", "--version", "0.0"},
			{"update-schema", "--schema-name", s.schema},
		}
		for _, step := range steps {
			if err := sqltool.RunTool(append(append([]string{}, common...), step...)); err != nil {
				return fmt.Errorf("temporal-sql-tool %s on %s: %w", step[0], s.name, err)
			}
		}
	}
	return nil
}
