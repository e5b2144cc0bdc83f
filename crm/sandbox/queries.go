package sandbox

import (
	"context"
	"fmt"
)

// Balance returns a member's account; ErrUnknownMember when there is none.
func (s *Server) Balance(ctx context.Context, memberID string) (Balance, error) {
	m, found, err := loadMember(ctx, s.db, memberID)
	if err != nil {
		return Balance{}, fmt.Errorf("sandbox: balance of %s: %w", memberID, err)
	}
	if !found {
		return Balance{}, fmt.Errorf("%w: %s", ErrUnknownMember, memberID)
	}
	return m.balance(), nil
}

// Entries returns the ledger entries made under token, oldest first: one
// for an applied operation, none for a rejected or unknown one.
func (s *Server) Entries(ctx context.Context, token string) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, token, op, member_id, amount, freeze_token, created_at FROM entries WHERE token = ? ORDER BY id`, token)
	if err != nil {
		return nil, fmt.Errorf("sandbox: entries of %s: %w", token, err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var e entryRow
		if err := rows.Scan(&e.id, &e.token, &e.op, &e.memberID, &e.amount, &e.freezeToken, &e.createdAt); err != nil {
			return nil, fmt.Errorf("sandbox: entries of %s: %w", token, err)
		}
		out = append(out, e.entry())
	}
	return out, rows.Err()
}

// Freezes returns every applied freeze, oldest first.
func (s *Server) Freezes(ctx context.Context) ([]Freeze, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT token, member_id, amount, released, consumed FROM freezes ORDER BY rowid`)
	if err != nil {
		return nil, fmt.Errorf("sandbox: freezes: %w", err)
	}
	defer rows.Close()
	out := []Freeze{}
	for rows.Next() {
		var f freezeRow
		if err := rows.Scan(&f.token, &f.memberID, &f.amount, &f.released, &f.consumed); err != nil {
			return nil, fmt.Errorf("sandbox: freezes: %w", err)
		}
		out = append(out, f.freeze())
	}
	return out, rows.Err()
}

// Record returns the stored answer to token, or nil when the token is unknown.
func (s *Server) Record(ctx context.Context, token string) (*TokenRecord, error) {
	t, found, err := loadToken(ctx, s.db, token)
	if err != nil {
		return nil, fmt.Errorf("sandbox: record of %s: %w", token, err)
	}
	if !found {
		return nil, nil
	}
	rec := t.record()
	return &rec, nil
}
