package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kylinpoints/kylin-points/crm"
)

// memberRow is a members row; amounts in hundredths.
type memberRow struct {
	id, memberType                       string
	available, frozen, consumed, granted int64
}

func (m memberRow) balance() Balance {
	return Balance{
		MemberID: m.id, MemberType: m.memberType,
		Available: crm.PointsFromHundredths(m.available), Frozen: crm.PointsFromHundredths(m.frozen),
		Consumed: crm.PointsFromHundredths(m.consumed), Granted: crm.PointsFromHundredths(m.granted),
	}
}

func loadMember(ctx context.Context, q dbtx, id string) (memberRow, bool, error) {
	m := memberRow{id: id}
	err := q.QueryRowContext(ctx,
		`SELECT member_type, available, frozen, consumed, granted FROM members WHERE member_id = ?`, id).
		Scan(&m.memberType, &m.available, &m.frozen, &m.consumed, &m.granted)
	if errors.Is(err, sql.ErrNoRows) {
		return memberRow{}, false, nil
	}
	return m, err == nil, err
}

func insertMember(ctx context.Context, q dbtx, m memberRow) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO members (member_id, member_type, available, frozen, consumed, granted) VALUES (?, ?, ?, ?, ?, ?)`,
		m.id, m.memberType, m.available, m.frozen, m.consumed, m.granted)
	return err
}

func saveMember(ctx context.Context, q dbtx, m memberRow) error {
	_, err := q.ExecContext(ctx,
		`UPDATE members SET available = ?, frozen = ?, consumed = ?, granted = ? WHERE member_id = ?`,
		m.available, m.frozen, m.consumed, m.granted, m.id)
	return err
}

// tokenRow is a tokens row: the stored first answer to a business token.
type tokenRow struct {
	token, op, bodyHash, status string
	response                    []byte
	createdAt                   int64
}

func (t tokenRow) record() TokenRecord {
	return TokenRecord{
		Token: t.token, Op: t.op, BodyHash: t.bodyHash, Status: t.status,
		Response: append([]byte(nil), t.response...), CreatedAt: time.Unix(0, t.createdAt).UTC(),
	}
}

func loadToken(ctx context.Context, q dbtx, token string) (tokenRow, bool, error) {
	t := tokenRow{token: token}
	err := q.QueryRowContext(ctx,
		`SELECT op, body_hash, status, response, created_at FROM tokens WHERE token = ?`, token).
		Scan(&t.op, &t.bodyHash, &t.status, &t.response, &t.createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return tokenRow{}, false, nil
	}
	return t, err == nil, err
}

func insertToken(ctx context.Context, q dbtx, t tokenRow) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO tokens (token, op, body_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.token, t.op, t.bodyHash, t.status, t.response, t.createdAt)
	return err
}

// entryRow is an entries row: one effect.
type entryRow struct {
	id                               int64
	token, op, memberID, freezeToken string
	amount, createdAt                int64
}

func (e entryRow) entry() Entry {
	return Entry{
		ID: e.id, Token: e.token, Op: e.op, MemberID: e.memberID, FreezeToken: e.freezeToken,
		Points: crm.PointsFromHundredths(e.amount), At: time.Unix(0, e.createdAt).UTC(),
	}
}

func insertEntry(ctx context.Context, q dbtx, e entryRow) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO entries (token, op, member_id, amount, freeze_token, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.token, e.op, e.memberID, e.amount, e.freezeToken, e.createdAt)
	return err
}

// freezeRow is a freezes row: an applied freeze and what is settled of it.
type freezeRow struct {
	token, memberID            string
	amount, released, consumed int64
}

func (f freezeRow) remaining() int64 { return f.amount - f.released - f.consumed }

func (f freezeRow) freeze() Freeze {
	return Freeze{
		Token: f.token, MemberID: f.memberID, Points: crm.PointsFromHundredths(f.amount),
		Released: crm.PointsFromHundredths(f.released), Consumed: crm.PointsFromHundredths(f.consumed),
		Remaining: crm.PointsFromHundredths(f.remaining()),
	}
}

func loadFreeze(ctx context.Context, q dbtx, token string) (freezeRow, bool, error) {
	f := freezeRow{token: token}
	err := q.QueryRowContext(ctx,
		`SELECT member_id, amount, released, consumed FROM freezes WHERE token = ?`, token).
		Scan(&f.memberID, &f.amount, &f.released, &f.consumed)
	if errors.Is(err, sql.ErrNoRows) {
		return freezeRow{}, false, nil
	}
	return f, err == nil, err
}

// insertFreeze records a new freeze. A token already frozen (which only a
// profile's short memory lets happen) holds the new amount too, as a CRM
// that forgot the token would freeze again.
func insertFreeze(ctx context.Context, q dbtx, f freezeRow) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO freezes (token, member_id, amount, released, consumed) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT(token) DO UPDATE SET amount = amount + excluded.amount`,
		f.token, f.memberID, f.amount, f.released, f.consumed)
	return err
}

func saveFreeze(ctx context.Context, q dbtx, f freezeRow) error {
	_, err := q.ExecContext(ctx,
		`UPDATE freezes SET released = ?, consumed = ? WHERE token = ?`, f.released, f.consumed, f.token)
	return err
}
