package sandbox

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// invariantChecks are queries that each return one line per violation.
// Amounts in the lines are integer hundredths.
var invariantChecks = []string{
	// Per member: nothing below zero, available + frozen + consumed = granted.
	`SELECT 'member ' || member_id || ': negative amount (available ' || available || ', frozen ' || frozen ||
	        ', consumed ' || consumed || ', granted ' || granted || ')'
	 FROM members WHERE available < 0 OR frozen < 0 OR consumed < 0 OR granted < 0`,
	`SELECT 'member ' || member_id || ': available ' || available || ' + frozen ' || frozen || ' + consumed ' ||
	        consumed || ' != granted ' || granted
	 FROM members WHERE available + frozen + consumed != granted`,
	// Per member: the balances are the sum of the member's entries.
	`WITH s AS (
	   SELECT member_id,
	          SUM(CASE WHEN op = 'grant'   THEN amount ELSE 0 END) AS g,
	          SUM(CASE WHEN op = 'freeze'  THEN amount ELSE 0 END) AS f,
	          SUM(CASE WHEN op = 'release' THEN amount ELSE 0 END) AS r,
	          SUM(CASE WHEN op = 'consume' THEN amount ELSE 0 END) AS c
	   FROM entries GROUP BY member_id)
	 SELECT 'member ' || m.member_id || ': balances (available ' || m.available || ', frozen ' || m.frozen ||
	        ', consumed ' || m.consumed || ', granted ' || m.granted || ') differ from its entries (' ||
	        COALESCE(g - f + r, 0) || ', ' || COALESCE(f - r - c, 0) || ', ' || COALESCE(c, 0) || ', ' || COALESCE(g, 0) || ')'
	 FROM members m LEFT JOIN s ON s.member_id = m.member_id
	 WHERE m.available != COALESCE(g - f + r, 0) OR m.frozen != COALESCE(f - r - c, 0)
	    OR m.consumed != COALESCE(c, 0) OR m.granted != COALESCE(g, 0)`,
	// Every entry is a known operation of a positive amount on a known member.
	`SELECT 'entry ' || id || ': op ' || op || ' amount ' || amount || ' is not a positive grant, freeze, release or consume'
	 FROM entries WHERE op NOT IN ('grant', 'freeze', 'release', 'consume') OR amount <= 0`,
	`SELECT 'entry ' || id || ': unknown member ' || member_id
	 FROM entries WHERE member_id NOT IN (SELECT member_id FROM members)`,
	// Per token: at most one effect, and an effect exactly when the token is recorded as applied.
	`SELECT 'token ' || token || ': ' || COUNT(*) || ' effects' FROM entries GROUP BY token HAVING COUNT(*) > 1`,
	`SELECT 'entry ' || e.id || ' (' || e.op || ' ' || e.token || '): no applied ' || e.op || ' record for its token'
	 FROM entries e LEFT JOIN tokens t ON t.token = e.token
	 WHERE e.op != 'grant' AND (t.token IS NULL OR t.status != 'applied' OR t.op != e.op)`,
	`SELECT 'token ' || t.token || ': recorded as applied but has no entry'
	 FROM tokens t WHERE t.status = 'applied' AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.token = t.token)`,
	// Per freeze: settled within its amount, matching its own entry and the entries that settled it.
	`SELECT 'freeze ' || token || ': amount ' || amount || ', released ' || released || ', consumed ' || consumed ||
	        ' (released + consumed must be within the amount, none negative)'
	 FROM freezes WHERE amount <= 0 OR released < 0 OR consumed < 0 OR released + consumed > amount`,
	`SELECT 'freeze ' || f.token || ': no freeze entry of member ' || f.member_id || ' for amount ' || f.amount
	 FROM freezes f WHERE NOT EXISTS (SELECT 1 FROM entries e
	   WHERE e.token = f.token AND e.op = 'freeze' AND e.member_id = f.member_id AND e.amount = f.amount)`,
	`SELECT 'entry ' || e.id || ': freeze ' || e.token || ' has no freeze record'
	 FROM entries e WHERE e.op = 'freeze' AND NOT EXISTS (SELECT 1 FROM freezes f WHERE f.token = e.token)`,
	`WITH s AS (
	   SELECT freeze_token,
	          SUM(CASE WHEN op = 'release' THEN amount ELSE 0 END) AS r,
	          SUM(CASE WHEN op = 'consume' THEN amount ELSE 0 END) AS c
	   FROM entries WHERE op IN ('release', 'consume') GROUP BY freeze_token)
	 SELECT 'freeze ' || f.token || ': released ' || f.released || ', consumed ' || f.consumed ||
	        ' differ from its settling entries (' || COALESCE(r, 0) || ', ' || COALESCE(c, 0) || ')'
	 FROM freezes f LEFT JOIN s ON s.freeze_token = f.token
	 WHERE f.released != COALESCE(r, 0) OR f.consumed != COALESCE(c, 0)`,
	`SELECT 'entry ' || e.id || ' (' || e.op || '): settles freeze ' || e.freeze_token || ', which member ' ||
	        e.member_id || ' does not hold'
	 FROM entries e WHERE e.op IN ('release', 'consume')
	   AND NOT EXISTS (SELECT 1 FROM freezes f WHERE f.token = e.freeze_token AND f.member_id = e.member_id)`,
}

// invariantQuery runs every check in one statement, prepared once per server.
var invariantQuery = func() string {
	parts := make([]string, len(invariantChecks))
	for i, q := range invariantChecks {
		parts[i] = "SELECT * FROM (" + q + ")"
	}
	return strings.Join(parts, "\nUNION ALL\n")
}()

// maxProblems caps the violations an error lists.
const maxProblems = 20

// CheckInvariants proves the ledger consistent, on one snapshot: per member
// available + frozen + consumed = granted, nothing below zero, and the
// balances equal the sum of the member's entries; per token at most one
// effect, present exactly when the token is recorded as applied; per freeze
// released + consumed ≤ points (so remaining = points − released − consumed
// is not negative), both equal to the entries that settled it. The error
// lists the violations, amounts in hundredths.
func (s *Server) CheckInvariants(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sandbox: check invariants: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	problems, err := queryLines(ctx, tx.StmtContext(ctx, s.checkStmt))
	if err != nil {
		return fmt.Errorf("sandbox: check invariants: %w", err)
	}
	total := len(problems)
	if total == 0 {
		return nil
	}
	if len(problems) > maxProblems {
		problems = append(problems[:maxProblems], fmt.Sprintf("… and %d more", total-maxProblems))
	}
	return fmt.Errorf("sandbox: ledger invariants broken (%d):\n  %s", total, strings.Join(problems, "\n  "))
}

func queryLines(ctx context.Context, stmt *sql.Stmt) ([]string, error) {
	rows, err := stmt.QueryContext(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		out = append(out, line)
	}
	return out, rows.Err()
}
