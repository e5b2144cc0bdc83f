package sandbox

import (
	"context"
	"database/sql"
	"fmt"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// schema is the ledger. Amounts are integer hundredths. entries has no
// unique constraint on token on purpose: CheckInvariants proves that no
// token has more than one effect instead of the schema assuming it.
const schema = `
CREATE TABLE IF NOT EXISTS members (
	member_id   TEXT PRIMARY KEY,
	member_type TEXT NOT NULL,
	available   INTEGER NOT NULL,
	frozen      INTEGER NOT NULL,
	consumed    INTEGER NOT NULL,
	granted     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
	token      TEXT PRIMARY KEY,
	op         TEXT NOT NULL,
	body_hash  TEXT NOT NULL,
	status     TEXT NOT NULL,
	response   BLOB NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	token        TEXT NOT NULL,
	op           TEXT NOT NULL,
	member_id    TEXT NOT NULL,
	amount       INTEGER NOT NULL,
	freeze_token TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_token ON entries(token);
CREATE INDEX IF NOT EXISTS entries_freeze_token ON entries(freeze_token);
CREATE INDEX IF NOT EXISTS entries_member ON entries(member_id);
CREATE TABLE IF NOT EXISTS freezes (
	token     TEXT PRIMARY KEY,
	member_id TEXT NOT NULL,
	amount    INTEGER NOT NULL,
	released  INTEGER NOT NULL,
	consumed  INTEGER NOT NULL
);
`

// openDB opens the ledger at path, or in memory when path is "".
// A file is opened in WAL mode with synchronous=FULL, so a commit that
// returned is on disk. Memory mode uses one connection, hence one database.
func openDB(ctx context.Context, path string) (*sql.DB, error) {
	dsn := ":memory:"
	if path != "" {
		dsn = path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sandbox: open ledger: %w", err)
	}
	if path == "" {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sandbox: prepare ledger %s: %w", describePath(path), err)
	}
	return db, nil
}

func describePath(path string) string {
	if path == "" {
		return "(in memory)"
	}
	return path
}

// dbtx is what both *sql.DB and *sql.Tx offer; ledger reads run on either.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
